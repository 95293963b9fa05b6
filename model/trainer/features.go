package trainer

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"blip2/model/atomicfile"
	"blip2/model/blip2"
	"blip2/model/gpu"
	"blip2/model/image"
	"blip2/model/weights"
)

// Features is the frozen image encoder's last hidden state (before
// ln_vision) for every pair of a split, P×Dv values each. Stage 1 and 2
// train above the frozen encoder, so its output is computed once per image
// and read from here at every step: no augmentation is applied to these
// views (augmentation belongs to stage 0, where the encoder learns).
type Features struct {
	P, Dv int
	Data  []float32 // (pairs, P, Dv) in pair order
}

// Of copies the features of the pairs idx into one batch (len(idx), P, Dv).
func (f *Features) Of(idx []int) []float32 {
	n := f.P * f.Dv
	out := make([]float32, 0, len(idx)*n)
	for _, i := range idx {
		out = append(out, f.Data[i*n:(i+1)*n]...)
	}
	return out
}

// featureHeader names what a cache file was computed from.
type featureHeader struct {
	Encoder string `json:"encoder_sha256"` // of the frozen encoder's weights and image size
	Pairs   string `json:"pairs_sha256"`   // of the ids and files, in order
	N, P    int
	Dv      int `json:"dv"`
}

// LoadImage decodes a dataset image and preprocesses it as inference does
// (PIL-exact bicubic resize to size, CLIP normalisation), naming the file
// when it cannot be read or decoded.
func LoadImage(dataDir string, p Pair, size int) ([]float32, error) {
	path := filepath.Join(dataDir, p.File)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", p.ID, err)
	}
	px, err := image.Preprocess(data, size)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s (%s): %w", p.ID, path, err)
	}
	return px, nil
}

// ComputeFeatures returns the features of pairs, read from cachePath when
// a cache of the same encoder and pairs is there, else computed on the
// device in batches (with a progress line on w) and written to cachePath
// atomically. A cache of anything else is recomputed, never trusted.
func ComputeFeatures(d *gpu.Device, m *blip2.Model, dataDir string, pairs []Pair, batch int, cachePath string, w io.Writer) (*Features, error) {
	v := m.Config.Vision
	h := featureHeader{Encoder: encoderHash(m), Pairs: pairsHash(pairs), N: len(pairs), P: v.NumPositions(), Dv: v.HiddenSize}
	if f, err := readFeatures(cachePath, h); err == nil {
		return f, nil
	}
	be := gpu.NewBackend(d)
	defer be.ReleaseParams()
	S := v.ImageSize
	f := &Features{P: h.P, Dv: h.Dv, Data: make([]float32, 0, h.N*h.P*h.Dv)}
	start := time.Now()
	for lo := 0; lo < len(pairs); lo += batch {
		hi := min(lo+batch, len(pairs))
		px := make([]float32, 0, (hi-lo)*3*S*S)
		for _, p := range pairs[lo:hi] {
			x, err := LoadImage(dataDir, p, S)
			if err != nil {
				return nil, err
			}
			px = append(px, x...)
		}
		out, err := m.Vision.ReadFeatures(be, px, hi-lo, 3, S, S)
		if err != nil {
			return nil, fmt.Errorf("trainer: image features of pairs %d..%d: %w", lo, hi-1, err)
		}
		f.Data = append(f.Data, out...)
		if w != nil {
			el := time.Since(start).Seconds()
			rate := float64(hi) / el
			fmt.Fprintf(w, "\rimage features %d/%d  %.1f images/s  ETA %s ", hi, len(pairs), rate, eta(float64(len(pairs)-hi)/rate))
		}
	}
	if w != nil {
		fmt.Fprintln(w)
	}
	if cachePath != "" {
		if err := writeFeatures(cachePath, h, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func encoderHash(m *blip2.Model) string {
	hs := sha256.New()
	fmt.Fprintf(hs, "size %d\n", m.Config.Vision.ImageSize)
	for _, p := range frozenVision(m) {
		fmt.Fprintf(hs, "%s %v\n", p.Name, p.Shape)
		_ = binary.Write(hs, binary.LittleEndian, p.Data)
	}
	return hex.EncodeToString(hs.Sum(nil))
}

// frozenVision lists the ViT's parameters below ln_vision.
func frozenVision(m *blip2.Model) []*weights.Param {
	var out []*weights.Param
	for _, p := range weights.Params(m.Vision) {
		if !strings.HasPrefix(p.Name, "vision_model.post_layernorm") {
			out = append(out, p)
		}
	}
	return out
}

func pairsHash(pairs []Pair) string {
	hs := sha256.New()
	for _, p := range pairs {
		fmt.Fprintf(hs, "%s\t%s\n", p.ID, p.File)
	}
	return hex.EncodeToString(hs.Sum(nil))
}

// chunk is how many values the cache is read and written in at a time.
const chunk = 1 << 16

// The cache file is a JSON header line, then the float32 values little-endian.
func readFeatures(path string, want featureHeader) (*Features, error) {
	if path == "" {
		return nil, os.ErrNotExist
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var line []byte
	buf := make([]byte, 1)
	for len(line) < 4096 {
		if _, err := io.ReadFull(fh, buf); err != nil {
			return nil, err
		}
		if buf[0] == '\n' {
			break
		}
		line = append(line, buf[0])
	}
	var got featureHeader
	if err := json.Unmarshal(line, &got); err != nil || got != want {
		return nil, fmt.Errorf("trainer: %s is a cache of other features", path)
	}
	f := &Features{P: want.P, Dv: want.Dv, Data: make([]float32, want.N*want.P*want.Dv)}
	r := bufio.NewReaderSize(fh, 1<<20)
	for lo := 0; lo < len(f.Data); lo += chunk {
		if err := binary.Read(r, binary.LittleEndian, f.Data[lo:min(lo+chunk, len(f.Data))]); err != nil {
			return nil, fmt.Errorf("trainer: %s is truncated: %w", path, err)
		}
	}
	return f, nil
}

func writeFeatures(path string, h featureHeader, f *Features) error {
	js, _ := json.Marshal(h)
	return atomicfile.Write(path, func(w io.Writer) error {
		if _, err := w.Write(append(js, '\n')); err != nil {
			return err
		}
		for lo := 0; lo < len(f.Data); lo += chunk { // binary.Write would copy it all at once
			if err := binary.Write(w, binary.LittleEndian, f.Data[lo:min(lo+chunk, len(f.Data))]); err != nil {
				return err
			}
		}
		return nil
	})
}
