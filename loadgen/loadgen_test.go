package loadgen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"blip2/serve"
)

// testModel is a model folder's bytes: two shards (one of them a size
// that is not a power of two) and their manifest.
func testModel(t *testing.T) (manifest []byte, shards map[string][]byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	shards = map[string][]byte{"shard-000.bin": make([]byte, 40000), "shard-001.bin": make([]byte, 12345)}
	var list []string
	for _, name := range []string{"shard-000.bin", "shard-001.bin"} {
		b := shards[name]
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		sum := sha256.Sum256(b)
		list = append(list, fmt.Sprintf(`{"file":%q,"bytes":%d,"sha256":%q}`, name, len(b), hex.EncodeToString(sum[:])))
	}
	manifest = fmt.Appendf(nil, `{"format":"blip2-stream","version":1,"config":{},"shards":[%s],"tensors":[]}`, strings.Join(list, ","))
	return manifest, shards
}

// shortRun is one second of four clients; the server runs in this test
// process, so sampling its own RSS exercises the sampler.
func shortRun(url string) Config {
	return Config{ManifestURL: url, Clients: 4, Duration: time.Second, MaxRange: 16 << 10, ServerPID: os.Getpid(), Seed: 7}
}

// The project's own handler over a folder: every answer must check out.
func TestRunAgainstServe(t *testing.T) {
	manifest, shards := testModel(t)
	dir := filepath.Join(t.TempDir(), "models", "m")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"manifest.json": manifest}
	for name, b := range shards {
		files[name] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := serve.OpenDir(filepath.Dir(filepath.Dir(dir)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(&serve.Handler{Store: st})
	defer srv.Close()

	rep, err := Run(context.Background(), shortRun(srv.URL+"/models/m/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	t.Log("\n" + text.String())
	if !rep.OK || rep.Failed != 0 || rep.CorruptedBytes != 0 || rep.Requests == 0 {
		t.Fatalf("want a clean run, got %d requests, %d failed, %d corrupted bytes", rep.Requests, rep.Failed, rep.CorruptedBytes)
	}
	if rep.Shards != 2 || rep.ShardBytes != 40000+12345 {
		t.Errorf("reference: %d shards, %d bytes", rep.Shards, rep.ShardBytes)
	}
	if rep.ServerRSS == nil || rep.ServerRSS.PeakKiB == 0 {
		t.Errorf("server RSS not sampled: %+v", rep.ServerRSS)
	}
}

// A server that flips one byte in ranged answers (the full downloads
// that build the reference stay right): the run must count the byte and
// fail.
func TestRunReportsCorruptedByte(t *testing.T) {
	manifest, shards := testModel(t)
	const flipped = 777
	mux := http.NewServeMux()
	mux.HandleFunc("/m/manifest.json", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "manifest.json", time.Time{}, bytes.NewReader(manifest))
	})
	mux.HandleFunc("/m/{shard}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := shards[r.PathValue("shard")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Range") != "" {
			b = bytes.Clone(b)
			b[flipped] ^= 0x40
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := shortRun(srv.URL + "/m/manifest.json")
	cfg.ServerPID = 0
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.CorruptedBytes == 0 || rep.Errors.Mismatch == 0 {
		t.Fatalf("a flipped byte went unseen: ok %v, %d corrupted bytes, %d mismatches in %d requests",
			rep.OK, rep.CorruptedBytes, rep.Errors.Mismatch, rep.Requests)
	}
	// Each request covering the byte sees exactly one wrong byte.
	if rep.CorruptedBytes != rep.Errors.Mismatch {
		t.Errorf("%d corrupted bytes in %d mismatching requests, want one each", rep.CorruptedBytes, rep.Errors.Mismatch)
	}
	if rep.Errors.Status+rep.Errors.Transport+rep.Errors.ShortBody+rep.Errors.Header != 0 {
		t.Errorf("errors other than mismatches: %+v", rep.Errors)
	}
}

func TestRefusesRemoteHosts(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1:8080/web/models/default/manifest.json", "http://[2001:db8::1]/manifest.json",
		"https://127.0.0.1/manifest.json", "file:///etc/passwd"} {
		if _, err := Run(context.Background(), Config{ManifestURL: u, Clients: 1, Duration: time.Second, MaxRange: 1}); err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1/m.json", "http://[::1]:1/m.json", "http://localhost:1/m.json"} {
		if _, err := checkLoopback(context.Background(), u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestConfigBounds(t *testing.T) {
	good := Config{Clients: 1, Duration: time.Second, MaxRange: 1}
	for _, c := range []Config{{Clients: 0, Duration: time.Second, MaxRange: 1}, {Clients: MaxClients + 1, Duration: time.Second, MaxRange: 1},
		{Clients: 1, Duration: MaxDuration + 1, MaxRange: 1}, {Clients: 1, Duration: time.Second, MaxRange: 0}} {
		if c.Check() == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
	if err := good.Check(); err != nil {
		t.Error(err)
	}
}

// Every latency lands in a bucket whose upper bound is at or above it and
// within about 3%.
func TestHistogramBuckets(t *testing.T) {
	for _, us := range []uint64{0, 1, 63, 64, 65, 100, 1000, 12345, 1 << 20, 1<<40 + 12345} {
		i := bucketOf(us)
		hi := upperBound(i)
		if hi < us || float64(hi-us) > 0.032*float64(us)+1 {
			t.Errorf("%d µs: bucket %d ends at %d", us, i, hi)
		}
		if i > 0 && upperBound(i-1) >= us {
			t.Errorf("%d µs: bucket %d, but the one before ends at %d", us, i, upperBound(i-1))
		}
	}
}
