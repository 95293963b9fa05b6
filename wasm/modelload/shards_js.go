//go:build js && wasm

// Package modelload opens a backend in the browser and streams a model
// into a captioner: what the demo's worker runs at start.
package modelload

import (
	"fmt"
	"strings"
	"time"

	"blip2/model/stream"
	"blip2/wasm/jsutil"
)

// modelCache is the Cache API store of shards. Shards are named by their
// sha256, so an entry never goes stale; one that fails its check anyway
// (a corrupt or tampered entry) is evicted and downloaded again.
const modelCache = "blip2-model-shards"

// fetchReport says where a model's shards came from.
type fetchReport struct {
	total                      int64
	network, cached, refetched int
}

func (r *fetchReport) String() string {
	var parts []string
	if r.cached > 0 {
		parts = append(parts, fmt.Sprintf("%d from the browser's cache", r.cached))
	}
	if r.network > 0 {
		parts = append(parts, fmt.Sprintf("%d downloaded", r.network))
	}
	if r.refetched > 0 {
		parts = append(parts, fmt.Sprintf("%d cached copies failed their sha256 and were downloaded again", r.refetched))
	}
	return strings.Join(parts, ", ")
}

// streamShards is the store of the model at base: each shard fetched when
// the loader first needs it, from the cache or the network, checked, with
// progress (this shard, the whole model, an ETA) in the status line.
func streamShards(status func(string), base string, m *stream.Manifest) (*stream.Store, *fetchReport) {
	rep := &fetchReport{}
	byFile := map[string]stream.Shard{}
	for _, sh := range m.Shards {
		rep.total += sh.Bytes
		byFile[sh.File] = sh
	}
	var done int64
	index := 0
	start := time.Now()
	s := stream.NewStore(m, func(file string) ([]byte, error) {
		sh, ok := byFile[file]
		if !ok {
			return nil, fmt.Errorf("%s is not in the manifest", file)
		}
		index++
		dl := &jsutil.Download{Cache: modelCache, Retries: 3, Progress: func(got int64) {
			status(progressLine(index, len(m.Shards), got, sh.Bytes, done+got, rep.total, time.Since(start)))
		}}
		b, src, err := dl.Fetch(base+file, sh.Bytes, func(b []byte) error { return stream.CheckShard(b, sh) })
		switch src {
		case jsutil.FromCache:
			rep.cached++
		case jsutil.Refetched:
			rep.refetched++
		default:
			rep.network++
		}
		done += sh.Bytes
		return b, err
	})
	s.Checked = true // Fetch checked each shard against the manifest
	return s, rep
}

// progressLine is "Downloading the model: shard 1 of 2, 3.1 of 21.9 MB
// (14%); in all 3.1 of 43.8 MB (7%), about 12 s left".
func progressLine(i, n int, got, size, all, total int64, elapsed time.Duration) string {
	eta := ""
	if all > 0 && elapsed > time.Second {
		left := time.Duration(float64(elapsed) * float64(total-all) / float64(all))
		eta = fmt.Sprintf(", about %.0f s left", left.Seconds())
	}
	return fmt.Sprintf("Downloading the model: shard %d of %d, %s of %s (%d%%); in all %s of %s (%d%%)%s",
		i, n, mb(got), mb(size), pct(got, size), mb(all), mb(total), pct(all, total), eta)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func pct(a, b int64) int64 {
	if b == 0 {
		return 100
	}
	return 100 * a / b
}
