package app

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"blip2/model/blip2"
	"blip2/model/cpu"
)

// manyPrefixes are two prefixes with n examples of many lengths in all,
// more than one chunk of the text pass.
func manyPrefixes(n int) (*CaptionPrefixes, []byte) {
	p := &CaptionPrefixes{Prefixes: []CaptionPrefix{{Text: "an emoji of"}, {Text: "an icon of"}}}
	for i := range n {
		x := &p.Prefixes[i%2]
		words := strings.Repeat(fmt.Sprintf(" w%d", i), 1+(i*7)%11)
		x.Examples = append(x.Examples, x.Text+" a"+words)
	}
	raw, _ := json.Marshal(p)
	return p, raw
}

// hostEmbeds reads a bank's embeddings back.
func hostEmbeds(t *testing.T, k *PrefixBank) []float32 {
	t.Helper()
	all, _, err := k.embeddings()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestPrefixBankEmbedsInChunks: the chunked, length-sorted text pass gives
// every example the embedding it has when embedded alone; after other
// weights, Refresh embeds anew and Restore puts the first embeddings back.
func TestPrefixBankEmbedsInChunks(t *testing.T) {
	m, _ := refImages(t)
	b := cpu.New()
	q := wordIDs{vocab: m.Config.QFormer.VocabSize}
	p, _ := manyPrefixes(prefixChunk + 9)
	k, err := NewPrefixBank(m, b, lmWords{}, q, p)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Free()
	host := hostEmbeds(t, k)
	d := len(host) / k.Examples()
	for _, r := range []int{0, 1, 5, prefixChunk - 1, prefixChunk, k.Examples() - 1} {
		alone, err := k.embed([]int{r})
		if err != nil {
			t.Fatal(err)
		}
		for c := range d {
			if diff := math.Abs(float64(alone[c] - host[r*d+c])); diff > 1e-5 {
				t.Fatalf("example %d component %d: %g in the bank, %g alone", r, c, host[r*d+c], alone[c])
			}
		}
	}
	first := host
	for i := range m.TextProj.Weight.Data {
		m.TextProj.Weight.Data[i] *= 1.5
	}
	if err := k.Refresh(); err != nil || slices.Equal(hostEmbeds(t, k), first) {
		t.Fatalf("Refresh after new weights: error %v, embeddings unchanged %v", err, slices.Equal(hostEmbeds(t, k), first))
	}
	if err := k.Restore(); err != nil || !slices.Equal(hostEmbeds(t, k), first) {
		t.Fatalf("Restore: error %v, the first embeddings back %v", err, slices.Equal(hostEmbeds(t, k), first))
	}
}

// TestStoredPrefixEmbeds: embeddings written beside the prefixes are used
// when they are the model's, and refused (every example embedded anew)
// when they are corrupt, belong to another prefix file, or to other
// weights; either way the bank chooses the same prompts.
func TestStoredPrefixEmbeds(t *testing.T) {
	m, imgs := refImages(t)
	b := cpu.New()
	q := wordIDs{vocab: m.Config.QFormer.VocabSize}
	p, raw := manyPrefixes(40)
	k, err := LoadPrefixBank(raw, nil, m, b, lmWords{}, q)
	if err != nil || k == nil || k.Stored || k.StoredErr != nil {
		t.Fatalf("bank %v, error %v", k, err)
	}
	dir := t.TempDir()
	if err := WritePrefixEmbeds(dir, k); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, PrefixEmbedsFile))
	if err != nil {
		t.Fatal(err)
	}
	pixels := uploadAll(b, m, imgs)
	defer b.Free(pixels)
	prompts := func(k *PrefixBank) [][]int {
		t.Helper()
		d, err := PrepareDecoding(m, b, lmWords{}, q, false, k, pixels)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Release()
		return d.IDs
	}
	want := prompts(k)

	s, err := LoadPrefixBank(raw, file, m, b, lmWords{}, q)
	if err != nil || !s.Stored || s.StoredErr != nil {
		t.Fatalf("stored embeddings not used: %v, %v", err, s.StoredErr)
	}
	computed, stored := hostEmbeds(t, k), hostEmbeds(t, s)
	for i := range computed {
		if math.Abs(float64(stored[i]-computed[i])) > 1e-3 {
			t.Fatalf("value %d: %g stored, %g computed", i, stored[i], computed[i])
		}
	}
	if got := prompts(s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("prompts %v from stored embeddings, %v computed", got, want)
	}

	other, err := blip2.LoadDir(refSet)
	if err != nil {
		t.Fatal(err)
	}
	for i := range other.TextProj.Weight.Data {
		other.TextProj.Weight.Data[i] *= 1 + 0.05*float32(i%3-1)
	}
	p.Prefixes[0].Examples = p.Prefixes[0].Examples[1:]
	fewer, _ := json.Marshal(p)
	for _, c := range []struct {
		name, want string
		raw, file  []byte
		m          *blip2.Model
	}{
		{"corrupt", "safetensors", raw, file[:len(file)-5], m},
		{"another prefix file", "another", fewer, file, m},
		{"other weights", "does not match", raw, file, other},
	} {
		bc := cpu.New()
		s, err := LoadPrefixBank(c.raw, c.file, c.m, bc, lmWords{}, q)
		if err != nil || s.Stored || s.StoredErr == nil || !strings.Contains(s.StoredErr.Error(), c.want) {
			t.Errorf("%s: error %v, stored %v, why %v; want it refused saying %q", c.name, err, s != nil && s.Stored, s.StoredErr, c.want)
			continue
		}
		if len(hostEmbeds(t, s)) == 0 {
			t.Errorf("%s: nothing embedded after refusing the stored file", c.name)
		}
	}
}
