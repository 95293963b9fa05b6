package weights

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Param is one host-side parameter. A constructor sets Shape to what the
// model expects; Bind then checks the checkpoint against it and fills Name
// and Data. A nil Shape accepts any shape and takes the checkpoint's.
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	// Q, when the checkpoint stores this weight quantized, is the packed
	// form beside the dequantized Data.
	Q *Quantized
}

// Ignore names checkpoint tensors that a model deliberately does not use.
// Pattern is matched against the full name; '*' matches any run of
// characters, dots included. Reason is required, so every ignored tensor
// is documented where it is ignored.
type Ignore struct {
	Pattern string
	Reason  string
}

func (ig Ignore) match(name string) bool { return globMatch(ig.Pattern, name) }

// globMatch matches name against a pattern whose only wildcard is '*'.
func globMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last)
}

// BindError lists everything wrong with a binding at once, so one run shows
// all missing, mis-shaped and unused tensors instead of the first only.
type BindError struct {
	Missing  []string // required tensors absent from the checkpoint
	Mismatch []string // "name: checkpoint [a b] != model [c d]"
	Unused   []string // checkpoint tensors nothing consumed or ignored
	Other    []string // read errors, bad tags, bad ignore entries
}

func (e *BindError) empty() bool { return e.count() == 0 }

func (e *BindError) count() int {
	return len(e.Missing) + len(e.Mismatch) + len(e.Unused) + len(e.Other)
}

// AfterBinder is a struct (through its pointer) with work to do as soon as
// its own tensors are bound, before Bind reads any other: derive and check
// what tags cannot (split a fused weight, check a bias layout), or, for a
// loader that streams weights, hand them on (upload them to a device and
// drop the host copy), so that a model is never whole in memory. Bind calls
// it only when the struct bound without error, and reports its error under
// the struct's name.
type AfterBinder interface{ AfterBind() error }

func (e *BindError) Error() string {
	var sb strings.Builder
	sb.WriteString("weights: binding failed")
	list := func(title string, items []string) {
		const maxShown = 20
		for i, s := range items {
			if i == maxShown {
				fmt.Fprintf(&sb, "\n  ... and %d more %s", len(items)-maxShown, title)
				break
			}
			fmt.Fprintf(&sb, "\n  %s: %s", title, s)
		}
	}
	list("missing", e.Missing)
	list("shape mismatch", e.Mismatch)
	list("unused", e.Unused)
	list("error", e.Other)
	return sb.String()
}

// Bind fills the Param fields of the struct tree dst from src. Fields are
// tagged `w:"checkpoint.name[,optional][,alt:other.name]"`:
//
//   - Param / *Param: the tensor prefix+name; alt names a fallback (a tied
//     weight such as an lm_head stored only as the embedding).
//   - struct / *struct: recurse with the name joined to the prefix by '.';
//     an empty name (`w:""`) inlines the struct under the same prefix.
//   - []T of struct or Param: element i is named "name.i". Pre-size slices
//     in the constructor; a nil slice is sized from the checkpoint.
//
// Fields are required unless tagged optional. An optional *struct is
// allocated only when some tensor starts with its prefix, and set to nil
// otherwise. After binding, every checkpoint tensor under prefix must have
// been consumed or match an ignore entry. Untagged fields are left alone.
func Bind(dst any, src Store, prefix string, ignore []Ignore) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("weights: Bind needs a pointer to a struct, got %T", dst)
	}
	b := &binder{src: src, used: map[string]bool{}, errs: &BindError{}}
	b.bindStruct(v.Elem(), prefix)
	for _, ig := range ignore {
		if ig.Reason == "" {
			b.errs.Other = append(b.errs.Other, fmt.Sprintf("ignore pattern %q has no reason", ig.Pattern))
		}
	}
	for _, name := range src.Names() {
		under := prefix == "" || name == prefix || strings.HasPrefix(name, prefix+".")
		if b.used[name] || !under {
			continue
		}
		ignored := false
		for _, ig := range ignore {
			ignored = ignored || ig.match(name)
		}
		if !ignored {
			b.errs.Unused = append(b.errs.Unused, name)
		}
	}
	if b.errs.empty() {
		return nil
	}
	return b.errs
}

type binder struct {
	src  Store
	used map[string]bool
	errs *BindError
}

var paramType = reflect.TypeFor[Param]()

type tag struct {
	name     string
	optional bool
	alt      string
}

func parseTag(s string) tag {
	parts := strings.Split(s, ",")
	t := tag{name: parts[0]}
	for _, p := range parts[1:] {
		switch {
		case p == "optional":
			t.optional = true
		case strings.HasPrefix(p, "alt:"):
			t.alt = strings.TrimPrefix(p, "alt:")
		}
	}
	return t
}

func join(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	}
	return prefix + "." + name
}

func (b *binder) bindStruct(v reflect.Value, prefix string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		raw, ok := f.Tag.Lookup("w")
		if !ok || raw == "-" || !f.IsExported() {
			continue
		}
		tg := parseTag(raw)
		b.bindValue(v.Field(i), prefix, tg, t.Name()+"."+f.Name)
	}
}

// bindStructThen binds a struct field and then runs its AfterBind, if it
// has one and its tensors bound cleanly.
func (b *binder) bindStructThen(v reflect.Value, name string) {
	before := b.errs.count()
	b.bindStruct(v, name)
	ab, ok := v.Addr().Interface().(AfterBinder)
	if !ok || b.errs.count() != before {
		return
	}
	if err := ab.AfterBind(); err != nil {
		b.errs.Other = append(b.errs.Other, fmt.Sprintf("%s: %v", name, err))
	}
}

func (b *binder) bindValue(fv reflect.Value, prefix string, tg tag, field string) {
	name := join(prefix, tg.name)
	switch {
	case fv.Type() == paramType:
		b.bindParam(fv.Addr().Interface().(*Param), name, join(prefix, tg.alt), tg)
	case fv.Kind() == reflect.Pointer && fv.Type().Elem() == paramType:
		if fv.IsNil() {
			fv.Set(reflect.New(paramType))
		}
		if !b.bindParam(fv.Interface().(*Param), name, join(prefix, tg.alt), tg) {
			fv.SetZero() // absent optional tensor: nil says so
		}
	case fv.Kind() == reflect.Struct:
		b.bindStructThen(fv, name)
	case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
		if tg.optional && !b.anyUnder(name) {
			fv.SetZero()
			return
		}
		if fv.IsNil() {
			fv.Set(reflect.New(fv.Type().Elem()))
		}
		b.bindStructThen(fv.Elem(), name)
	case fv.Kind() == reflect.Slice:
		b.bindSlice(fv, name, tg, field)
	default:
		b.errs.Other = append(b.errs.Other, fmt.Sprintf("field %s: w tag on unsupported type %s", field, fv.Type()))
	}
}

func (b *binder) bindSlice(fv reflect.Value, name string, tg tag, field string) {
	elem := fv.Type().Elem()
	if elem != paramType && elem.Kind() != reflect.Struct {
		b.errs.Other = append(b.errs.Other, fmt.Sprintf("field %s: w tag on slice of %s", field, elem))
		return
	}
	if fv.Len() == 0 {
		fv.Set(reflect.MakeSlice(fv.Type(), b.countIndexed(name), b.countIndexed(name)))
	}
	for i := 0; i < fv.Len(); i++ {
		b.bindValue(fv.Index(i), name, tag{name: strconv.Itoa(i), optional: tg.optional}, field)
	}
}

// bindParam loads one tensor into p; it reports whether one was found.
func (b *binder) bindParam(p *Param, name, alt string, tg tag) bool {
	info, ok := b.src.Info(name)
	if !ok && tg.alt != "" {
		name = alt
		info, ok = b.src.Info(name)
	}
	if !ok {
		if !tg.optional {
			b.errs.Missing = append(b.errs.Missing, name)
		}
		return false
	}
	b.used[name] = true
	if p.Shape != nil && !sameShape(p.Shape, info.Shape) {
		b.errs.Mismatch = append(b.errs.Mismatch, fmt.Sprintf("%s: checkpoint %v != model %v", name, info.Shape, p.Shape))
		return true
	}
	data, err := b.src.ReadF32(name)
	if err != nil {
		b.errs.Other = append(b.errs.Other, err.Error())
		return true
	}
	p.Name, p.Shape, p.Data = name, append([]int(nil), info.Shape...), data
	if qs, ok := b.src.(QuantStore); ok {
		if p.Q, err = qs.ReadQuant(name); err != nil {
			b.errs.Other = append(b.errs.Other, err.Error())
		}
	}
	return true
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (b *binder) anyUnder(prefix string) bool {
	names := b.src.Names()
	i := sort.SearchStrings(names, prefix+".")
	return i < len(names) && strings.HasPrefix(names[i], prefix+".")
}

// countIndexed finds n such that "name.0." ... "name.(n-1)." (or the bare
// "name.i" for Param slices) all exist in the checkpoint.
func (b *binder) countIndexed(name string) int {
	n := 0
	for {
		idx := join(name, strconv.Itoa(n))
		if _, ok := b.src.Info(idx); !ok && !b.anyUnder(idx) {
			return n
		}
		n++
	}
}
