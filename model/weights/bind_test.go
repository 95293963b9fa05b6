package weights

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// fakeStore holds tensors in memory: name -> shape, data = index pattern.
type fakeStore map[string][]int

func (s fakeStore) Names() []string {
	var n []string
	for k := range s {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func (s fakeStore) Info(name string) (TensorInfo, bool) {
	shape, ok := s[name]
	return TensorInfo{Name: name, DType: F32, Shape: shape}, ok
}

func (s fakeStore) ReadF32(name string) ([]float32, error) {
	info, ok := s.Info(name)
	if !ok {
		return nil, fmt.Errorf("no %q", name)
	}
	out := make([]float32, info.NumElements())
	out[0] = float32(len(name)) // lets a test see which tensor landed where
	return out, nil
}

type linear struct {
	Weight Param  `w:"weight"`
	Bias   *Param `w:"bias,optional"`
}

type layer struct {
	Attn  linear  `w:"attn"`
	Cross *linear `w:"cross,optional"`
	Norm  Param   `w:"norm.weight"`
}

type model struct {
	Embed  Param   `w:"embed.weight"`
	Layers []layer `w:"layer"`
	Head   Param   `w:"head.weight,alt:embed.weight"`
	Note   string  // untagged fields are left alone
}

func newModel(n int) *model {
	m := &model{Layers: make([]layer, n)}
	m.Embed.Shape = []int{10, 4}
	for i := range m.Layers {
		m.Layers[i].Attn.Weight.Shape = []int{4, 4}
	}
	return m
}

func goodStore() fakeStore {
	return fakeStore{
		"m.embed.weight":              {10, 4},
		"m.layer.0.attn.weight":       {4, 4},
		"m.layer.0.attn.bias":         {4},
		"m.layer.0.cross.weight":      {4, 6},
		"m.layer.0.norm.weight":       {4},
		"m.layer.1.attn.weight":       {4, 4},
		"m.layer.1.norm.weight":       {4},
		"m.layer.1.attn.rotary.inv_f": {2},
		"other.thing":                 {1},
	}
}

var ignoreRotary = []Ignore{{Pattern: "m.layer.*.rotary.*", Reason: "recomputed at load time"}}

func TestBindFillsNestedSlicesAndOptionals(t *testing.T) {
	m := newModel(2)
	if err := Bind(m, goodStore(), "m", ignoreRotary); err != nil {
		t.Fatal(err)
	}
	l0, l1 := m.Layers[0], m.Layers[1]
	if l0.Attn.Weight.Name != "m.layer.0.attn.weight" || len(l0.Attn.Weight.Data) != 16 {
		t.Errorf("layer 0 attn = %+v", l0.Attn.Weight)
	}
	if l0.Attn.Bias == nil || l1.Attn.Bias != nil {
		t.Errorf("optional bias: layer0 %v layer1 %v", l0.Attn.Bias, l1.Attn.Bias)
	}
	if l0.Cross == nil || l1.Cross != nil {
		t.Errorf("optional cross block: layer0 %v layer1 %v", l0.Cross, l1.Cross)
	}
	if got := l0.Cross.Weight.Shape; len(got) != 2 || got[1] != 6 {
		t.Errorf("nil Shape should take the checkpoint's, got %v", got)
	}
	if m.Head.Name != "m.embed.weight" {
		t.Errorf("tied head should fall back to the embedding, got %q", m.Head.Name)
	}
}

func TestBindSizesNilSlicesFromCheckpoint(t *testing.T) {
	m := newModel(0)
	if err := Bind(m, goodStore(), "m", ignoreRotary); err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 2 {
		t.Errorf("got %d layers, want 2", len(m.Layers))
	}
}

func TestBindReportsEveryProblemByName(t *testing.T) {
	s := goodStore()
	delete(s, "m.layer.1.norm.weight")
	s["m.embed.weight"] = []int{10, 5}
	s["m.layer.1.surprise"] = []int{3}
	err := Bind(newModel(2), s, "m", ignoreRotary)
	var be *BindError
	if !errors.As(err, &be) {
		t.Fatalf("want *BindError, got %v", err)
	}
	if fmt.Sprint(be.Missing) != "[m.layer.1.norm.weight]" {
		t.Errorf("missing = %v", be.Missing)
	}
	if len(be.Mismatch) != 1 || !strings.Contains(be.Mismatch[0], "m.embed.weight: checkpoint [10 5] != model [10 4]") {
		t.Errorf("mismatch = %v", be.Mismatch)
	}
	if fmt.Sprint(be.Unused) != "[m.layer.1.surprise]" {
		t.Errorf("unused = %v (tensors outside the prefix must not count)", be.Unused)
	}
	for _, want := range []string{"missing: m.layer.1.norm.weight", "unused: m.layer.1.surprise"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error text lacks %q:\n%v", want, err)
		}
	}
}

func TestBindWithoutIgnoreFlagsUnusedAndNeedsReasons(t *testing.T) {
	err := Bind(newModel(2), goodStore(), "m", nil)
	if err == nil || !strings.Contains(err.Error(), "unused: m.layer.1.attn.rotary.inv_f") {
		t.Errorf("want unused rotary tensor reported, got %v", err)
	}
	err = Bind(newModel(2), goodStore(), "m", []Ignore{{Pattern: "*rotary*"}})
	if err == nil || !strings.Contains(err.Error(), "has no reason") {
		t.Errorf("want reasonless ignore rejected, got %v", err)
	}
}

func TestBindRejectsBadTargets(t *testing.T) {
	if err := Bind(model{}, goodStore(), "m", nil); err == nil {
		t.Error("non-pointer accepted")
	}
	type bad struct {
		X int `w:"x"`
	}
	if err := Bind(&bad{}, fakeStore{"x": {1}}, "", nil); err == nil || !strings.Contains(err.Error(), "bad.X") {
		t.Errorf("want unsupported field named, got %v", err)
	}
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"a.b", "a.b", true}, {"a.b", "a.bc", false}, {"a.*", "a.b.c", true},
		{"*.bias", "x.y.bias", true}, {"*.bias", "x.y.bias2", false},
		{"a.*.c.*", "a.1.c.2", true}, {"a.*.c.*", "a.1.d.2", false}, {"*", "", true},
		{"a*b*b", "ab", false},
	}
	for _, c := range cases {
		if got := globMatch(c.p, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

// block records when its AfterBind ran: what was bound by then.
type block struct {
	W     Param `w:"w"`
	fail  bool
	saw   []string // the names bound when AfterBind ran
	reads *[]string
}

func (b *block) AfterBind() error {
	b.saw = append([]string(nil), *b.reads...)
	if b.fail {
		return errors.New("split failed")
	}
	return nil
}

type stack struct {
	Blocks []block `w:"b"`
	Tail   Param   `w:"tail"`
}

// readLog is a fakeStore that logs each read.
type readLog struct {
	fakeStore
	reads *[]string
}

func (r readLog) ReadF32(name string) ([]float32, error) {
	*r.reads = append(*r.reads, name)
	return r.fakeStore.ReadF32(name)
}

// TestAfterBindRunsAsEachStructIsBound: a struct's AfterBind runs right
// after its own tensors and before any later one is read, is skipped when
// the struct did not bind, and its error names the struct.
func TestAfterBindRunsAsEachStructIsBound(t *testing.T) {
	var reads []string
	src := readLog{fakeStore{"b.0.w": {2}, "b.1.w": {2}, "tail": {1}}, &reads}
	s := &stack{Blocks: make([]block, 2)}
	for i := range s.Blocks {
		s.Blocks[i].reads = &reads
	}
	if err := Bind(s, src, "", nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Blocks[0].saw, " "); got != "b.0.w" {
		t.Errorf("block 0's AfterBind saw %q bound, want only its own tensor", got)
	}
	if got := strings.Join(s.Blocks[1].saw, " "); got != "b.0.w b.1.w" {
		t.Errorf("block 1's AfterBind saw %q bound", got)
	}

	reads = nil
	s = &stack{Blocks: make([]block, 2)}
	for i := range s.Blocks {
		s.Blocks[i].reads = &reads
	}
	s.Blocks[1].fail = true
	delete(src.fakeStore, "b.0.w")
	err := Bind(s, src, "", nil)
	if err == nil || !strings.Contains(err.Error(), "b.1: split failed") {
		t.Errorf("a failing AfterBind: %v", err)
	}
	if s.Blocks[0].saw != nil {
		t.Error("AfterBind ran on a block whose tensor is missing")
	}
}
