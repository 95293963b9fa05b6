package loadgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
)

// manifest is the part of a streaming-format manifest.json
// (blip2/model/stream) that the load generator needs: the shard list.
// It is read here rather than through stream.ParseManifest so that the
// tool checks the server, not the model, and stays independent of the
// model packages.
type manifest struct {
	Format string `json:"format"`
	Shards []struct {
		File   string `json:"file"`
		Bytes  int64  `json:"bytes"`
		SHA256 string `json:"sha256"`
	} `json:"shards"`
}

// Limits on what the reference copy may hold in memory.
const (
	maxManifestBytes  = 64 << 20
	maxShardBytes     = 64 << 20 // the streaming format's own bound
	maxReferenceBytes = 2 << 30
)

// shard is one shard's verified bytes and where they are served.
type shard struct {
	name string
	url  string
	data []byte
}

// fetchReference reads the manifest, then downloads every shard once in
// full and checks its size and sha256: the ranges fetched under load are
// compared with these bytes.
func fetchReference(ctx context.Context, client *http.Client, manifestURL *url.URL) ([]shard, error) {
	body, err := get(ctx, client, manifestURL.String(), maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", manifestURL, err)
	}
	if len(m.Shards) == 0 {
		return nil, fmt.Errorf("manifest %s lists no shards", manifestURL)
	}
	var shards []shard
	total := int64(0)
	for i, s := range m.Shards {
		// A plain file name only, so the shard URL stays beside the manifest.
		if s.File == "" || path.Base(s.File) != s.File || s.File == "." || s.File == ".." {
			return nil, fmt.Errorf("manifest: shard %d has file name %q; want a plain file name", i, s.File)
		}
		if s.Bytes < 0 || s.Bytes > maxShardBytes {
			return nil, fmt.Errorf("manifest: shard %s claims %d bytes", s.File, s.Bytes)
		}
		if total += s.Bytes; total > maxReferenceBytes {
			return nil, fmt.Errorf("manifest: shards total over %d bytes, more than the reference copy may hold", maxReferenceBytes)
		}
		u := manifestURL.ResolveReference(&url.URL{Path: s.File})
		data, err := get(ctx, client, u.String(), s.Bytes+1)
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", s.File, err)
		}
		if int64(len(data)) != s.Bytes {
			return nil, fmt.Errorf("shard %s: served %d bytes, manifest says %d", s.File, len(data), s.Bytes)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != s.SHA256 {
			return nil, fmt.Errorf("shard %s: served bytes have sha256 %s, manifest says %s", s.File, got, s.SHA256)
		}
		if len(data) > 0 { // an empty shard has no range to ask for
			shards = append(shards, shard{name: s.File, url: u.String(), data: data})
		}
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("manifest %s: every shard is empty", manifestURL)
	}
	return shards, nil
}

// get fetches a whole file, expecting 200 and at most limit bytes.
func get(ctx context.Context, client *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) >= limit {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, limit-1)
	}
	return data, nil
}
