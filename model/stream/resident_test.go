package stream

import (
	"strings"
	"testing"

	"blip2/model/blip2"
	"blip2/model/cpu"
)

// TestEncoderLayersStreamOneAtATime: each image-encoder layer is stored in
// shards of its own, and a store that drops what it has read holds the
// rest of the model and at most one layer's shards at once, for the same
// outputs, fetching each shard once. The tiny set's Q-Former and language
// model layers are too small for shards of their own.
func TestEncoderLayersStreamOneAtATime(t *testing.T) {
	_, conv, s, in := convertSet(t, "blip2-tiny-a", "int8")
	layersStreamOneAtATime(t, s, conv, in, len(conv.Vision.Layers), func(name string) string {
		if u := layerUnit(name); strings.HasPrefix(u, visionLayers) {
			return u
		}
		return ""
	})
}

// TestLargeLayersStreamOneAtATime: from ownShardsFrom up, every layer of
// every part (image encoder, Q-Former, language model) has shards of its
// own and streams the same way: what bounds a browser's memory for a
// full-size model, whose language-model layers are tens of MB.
func TestLargeLayersStreamOneAtATime(t *testing.T) {
	old := ownShardsFrom
	ownShardsFrom = 0
	defer func() { ownShardsFrom = old }()
	_, conv, s, in := convertSet(t, "blip2-tiny-a", "int8")
	want := len(conv.Vision.Layers) + len(conv.QFormer.Layers) + len(conv.OPT.Layers)
	layersStreamOneAtATime(t, s, conv, in, want, layerUnit)
}

func layersStreamOneAtATime(t *testing.T, s *Store, conv *blip2.Model, in *blip2.Inputs, units int, unit func(string) string) {
	t.Helper()
	unitOf := map[int]string{}
	for _, tn := range s.M.Tensors {
		u := unit(tn.Name)
		for _, p := range tn.Parts {
			if prev, ok := unitOf[p.Shard]; ok && prev != u {
				t.Errorf("shard %d holds tensors of %q and of %q", p.Shard, prev, u)
			}
			unitOf[p.Shard] = u
		}
	}
	var rest, biggest int64
	layerBytes := map[string]int64{}
	for i, sh := range s.M.Shards {
		if unitOf[i] == "" {
			rest += sh.Bytes
			continue
		}
		layerBytes[unitOf[i]] += sh.Bytes
		biggest = max(biggest, layerBytes[unitOf[i]])
	}
	if len(layerBytes) != units {
		t.Fatalf("%d layers have shards of their own, want %d", len(layerBytes), units)
	}

	m, drop, fetched := loadDropping(t, s)
	if held := drop.MaxHeld(); held > rest+biggest {
		t.Errorf("held %d shard bytes at once; the model outside those layers is %d and the largest layer %d", held, rest, biggest)
	}
	for _, sh := range s.M.Shards {
		if fetched[sh.File] != 1 {
			t.Errorf("%s fetched %d times, want once", sh.File, fetched[sh.File])
		}
	}
	t.Logf("held at most %d shard bytes at once: %d outside the layers, %d layers of up to %d", drop.MaxHeld(), rest, len(layerBytes), biggest)
	compareOutputs(t, "dropping read shards", m, cpu.New(), conv, cpu.New(), in, 0)
}

// TestTiedHeadIsHeldOnce: a language-model head tied to its embedding
// (no lm_head.weight in the checkpoint) shares the embedding's values, read
// and widened once, and a store that drops what it has read fetches every
// shard once all the same.
func TestTiedHeadIsHeldOnce(t *testing.T) {
	_, _, s, _ := convertSet(t, "blip2-tiny-a", "int8")
	m, _, fetched := loadDropping(t, s)
	if m.OPT.LMHead.Name != m.OPT.Embed.Name || &m.OPT.LMHead.Data[0] != &m.OPT.Embed.Data[0] {
		t.Errorf("the tied head %s holds its own copy of %s", m.OPT.LMHead.Name, m.OPT.Embed.Name)
	}
	for file, n := range fetched {
		if n != 1 {
			t.Errorf("%s fetched %d times", file, n)
		}
	}
}

// loadDropping loads s's model through a store that drops what it has
// read, counting each shard's fetches.
func loadDropping(t *testing.T, s *Store) (*blip2.Model, *Store, map[string]int) {
	t.Helper()
	fetched := map[string]int{}
	drop := NewStore(s.M, func(file string) ([]byte, error) { fetched[file]++; return s.fetch(file) })
	drop.DropRead = true
	m, err := LoadModel(drop)
	if err != nil {
		t.Fatal(err)
	}
	return m, drop, fetched
}
