package weights

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"blip2/model/atomicfile"
)

// WriteSharded saves every tensor of src under dir as save_pretrained
// does: safetensors shards of at most maxShard bytes (a tensor larger than
// that gets a shard of its own), named model-0000i-of-0000n.safetensors,
// and model.safetensors.index.json with the total size and the weight map.
// Values are read from src one tensor at a time, so a store that makes
// them on demand is never whole in memory. Each file is written
// atomically. progress, if not nil, hears each tensor written.
func WriteSharded(dir string, src Store, dtype DType, maxShard int64, progress func(done, total int)) error {
	var shards [][]Tensor
	var size, total int64
	for _, name := range src.Names() {
		info, _ := src.Info(name)
		t := Tensor{Name: name, DType: dtype, Shape: info.Shape}
		n, err := t.elements()
		if err != nil {
			return err
		}
		b := int64(n * dtype.Size())
		if len(shards) == 0 || size > 0 && size+b > maxShard {
			shards, size = append(shards, nil), 0
		}
		shards[len(shards)-1] = append(shards[len(shards)-1], t)
		size += b
		total += b
	}
	index := struct {
		Metadata  map[string]int64  `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}{map[string]int64{"total_size": total}, map[string]string{}}
	done, count := 0, len(src.Names())
	for i, ts := range shards {
		file := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		for _, t := range ts {
			index.WeightMap[t.Name] = file
		}
		err := atomicfile.Write(filepath.Join(dir, file), func(w io.Writer) error {
			return WriteStream(w, ts, map[string]string{"format": "pt"}, func(name string) (any, error) {
				v, err := src.ReadF32(name)
				done++
				if progress != nil {
					progress(done, count)
				}
				return v, err
			})
		})
		if err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, IndexFile), append(js, '\n'))
}
