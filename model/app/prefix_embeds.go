package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"blip2/model/atomicfile"
	"blip2/model/weights"
)

// PrefixEmbedsFile holds, beside a PrefixesFile, its examples' ITC
// embeddings (one F16 tensor "embeds", examples × d), so that a page need
// not run the text side over every example when it loads the model.
// `convert` writes it; it is a cache: one that does not belong to the
// prefixes or to the weights (fine-tuned, or another model) is refused and
// the examples embedded again.
const PrefixEmbedsFile = "caption_prefixes.safetensors"

// storedTolerance bounds the difference of a re-embedded example from its
// stored embedding (unit vectors, components ≲ 0.3): F16 storage rounds
// by at most 2⁻¹² of that and backends differ by ~1e-5, while other
// weights move components by hundredths.
const storedTolerance = 2e-3

// storedSamples is how many examples, spread over the file, are embedded
// again to check the stored embeddings.
const storedSamples = 8

// prefixesHash names the PrefixesFile an embeddings file belongs to.
func prefixesHash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// WritePrefixEmbeds writes k's embeddings into dir as PrefixEmbedsFile; k
// must come from LoadPrefixBank, which knows the PrefixesFile it belongs to.
func WritePrefixEmbeds(dir string, k *PrefixBank) error {
	if k.source == "" {
		return fmt.Errorf("%s: the bank was not loaded from a %s", PrefixEmbedsFile, PrefixesFile)
	}
	all, d, err := k.embeddings()
	if err != nil {
		return err
	}
	t := weights.Tensor{Name: "embeds", DType: weights.F16, Shape: []int{len(k.ids), d}, Data: all}
	meta := map[string]string{"prefixes_sha256": k.source, "examples": strconv.Itoa(len(k.ids))}
	return atomicfile.Write(filepath.Join(dir, PrefixEmbedsFile), func(w io.Writer) error {
		return weights.Write(w, []weights.Tensor{t}, meta)
	})
}

// useStored takes the embeddings of a PrefixEmbedsFile when they are the
// ones k's model gives its examples.
func (k *PrefixBank) useStored(file []byte) error {
	f, err := weights.NewFile(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return fmt.Errorf("%s: %w", PrefixEmbedsFile, err)
	}
	if h := f.Header.Metadata["prefixes_sha256"]; h != k.source {
		return fmt.Errorf("%s was written for another %s", PrefixEmbedsFile, PrefixesFile)
	}
	info, ok := f.Info("embeds")
	if !ok || len(info.Shape) != 2 || info.Shape[0] != len(k.ids) || info.Shape[1] == 0 {
		return fmt.Errorf("%s: want a tensor \"embeds\" of %d rows, have %v", PrefixEmbedsFile, len(k.ids), info.Shape)
	}
	all, err := f.ReadF32("embeds")
	if err != nil {
		return fmt.Errorf("%s: %w", PrefixEmbedsFile, err)
	}
	d := info.Shape[1]
	var rows []int
	for i := range min(storedSamples, len(k.ids)) {
		rows = append(rows, i*len(k.ids)/min(storedSamples, len(k.ids)))
	}
	rows = append(rows, len(k.ids)-1)
	e, err := k.embed(rows)
	if err != nil {
		return err
	}
	if len(e) != len(rows)*d {
		return fmt.Errorf("%s: embeddings of %d values, the model's have %d", PrefixEmbedsFile, d, len(e)/len(rows))
	}
	for j, r := range rows {
		for c := range d {
			if diff := math.Abs(float64(e[j*d+c] - all[r*d+c])); !(diff <= storedTolerance) {
				return fmt.Errorf("%s does not match the model's weights (example %d differs by %.4f)", PrefixEmbedsFile, r, diff)
			}
		}
	}
	k.Stored = true
	return k.set(all, d)
}
