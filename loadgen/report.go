package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// Report is one run's outcome. MB are 10^6 bytes; latencies are in
// milliseconds, p50 and p99 read from a histogram to within about 3%.
type Report struct {
	Manifest    string  `json:"manifest"`
	Shards      int     `json:"shards"`
	ShardBytes  int64   `json:"shard_bytes"`
	ReferenceS  float64 `json:"reference_s"` // downloading and verifying every shard once
	Clients     int     `json:"clients"`
	DurationS   float64 `json:"duration_s"` // asked for
	ElapsedS    float64 `json:"elapsed_s"`  // until the last client's last answer
	MaxRange    int64   `json:"max_range"`
	Seed        uint64  `json:"seed"`
	Interrupted bool    `json:"interrupted,omitempty"`
	Connections int64   `json:"connections"` // opened under load: one per client when keep-alive holds

	Requests  int64   `json:"requests"`
	Bytes     int64   `json:"bytes"`
	ReqPerS   float64 `json:"req_per_s"`
	MBPerS    float64 `json:"mb_per_s"`
	LatencyMS Latency `json:"latency_ms"`

	Failed         int64            `json:"failed_requests"`
	Errors         Errors           `json:"errors"`
	Statuses       map[string]int64 `json:"statuses,omitempty"` // answers other than 206
	CorruptedBytes int64            `json:"corrupted_bytes"`
	ErrorSamples   []string         `json:"error_samples,omitempty"`

	ServerRSS *RSS `json:"server_rss,omitempty"`
	// OK is true when every request got a 206 with the right headers and
	// bytes.
	OK bool `json:"ok"`
}

// Latency is per request, from sending it to the last body byte.
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Errors counts failures by kind; a request may fail in two ways (a short
// body whose bytes also differ).
type Errors struct {
	Status    int64 `json:"status"`
	Transport int64 `json:"transport"`
	ShortBody int64 `json:"short_body"`
	Header    int64 `json:"header"`
	Mismatch  int64 `json:"mismatch"`
}

func (r *Report) fill(s *stats, elapsed time.Duration, connections int64) {
	r.ElapsedS = elapsed.Seconds()
	r.Connections = connections
	r.Requests, r.Bytes = s.requests, s.bytes
	if sec := elapsed.Seconds(); sec > 0 {
		r.ReqPerS = float64(s.requests) / sec
		r.MBPerS = float64(s.bytes) / 1e6 / sec
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	r.LatencyMS = Latency{P50: ms(s.latency.quantile(0.50)), P99: ms(s.latency.quantile(0.99)), Max: ms(s.latency.max)}
	r.Failed = s.failed
	r.Errors = Errors{Status: s.failures[failStatus], Transport: s.failures[failTransport],
		ShortBody: s.failures[failShort], Header: s.failures[failHeader], Mismatch: s.failures[failMismatch]}
	if len(s.statuses) > 0 {
		r.Statuses = map[string]int64{}
		for code, n := range s.statuses {
			r.Statuses[strconv.Itoa(code)] = n
		}
	}
	r.CorruptedBytes = s.corrupted
	r.ErrorSamples = s.samples
	r.OK = s.failed == 0 && s.corrupted == 0 && s.requests > 0
}

// WriteText writes the report for a person to read.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "loadtest %s\n", r.Manifest)
	fmt.Fprintf(w, "  reference   %d shard(s), %d bytes, sha256 verified in %.2f s\n", r.Shards, r.ShardBytes, r.ReferenceS)
	fmt.Fprintf(w, "  load        %d clients for %.1f s (asked %.1f s), ranges of 1 to %d bytes, %d connections, seed %d\n",
		r.Clients, r.ElapsedS, r.DurationS, r.MaxRange, r.Connections, r.Seed)
	fmt.Fprintf(w, "  requests    %d (%.0f req/s), %.1f MB (%.1f MB/s)\n", r.Requests, r.ReqPerS, float64(r.Bytes)/1e6, r.MBPerS)
	fmt.Fprintf(w, "  latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.LatencyMS.P50, r.LatencyMS.P99, r.LatencyMS.Max)
	e := r.Errors
	fmt.Fprintf(w, "  errors      %d failed requests (status %d, transport %d, short body %d, header %d, mismatch %d), %d corrupted bytes\n",
		r.Failed, e.Status, e.Transport, e.ShortBody, e.Header, e.Mismatch, r.CorruptedBytes)
	codes := make([]string, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "  status %s  %d answers\n", c, r.Statuses[c])
	}
	for _, m := range r.ErrorSamples {
		fmt.Fprintf(w, "  e.g.        %s\n", m)
	}
	if m := r.ServerRSS; m != nil {
		mib := func(kib int64) float64 { return float64(kib) / 1024 }
		fmt.Fprintf(w, "  server RSS  pid %d: idle %.1f MiB, load start %.1f MiB, warm %.1f MiB, peak %.1f MiB, end %.1f MiB (%d samples)\n",
			m.PID, mib(m.IdleKiB), mib(m.StartKiB), mib(m.WarmKiB), mib(m.PeakKiB), mib(m.EndKiB), m.Samples)
		if m.Error != "" {
			fmt.Fprintf(w, "  server RSS  stopped: %s\n", m.Error)
		}
	}
	verdict := "ok"
	if !r.OK {
		verdict = "FAILED"
	}
	if r.Interrupted {
		verdict += " (interrupted)"
	}
	fmt.Fprintf(w, "  result      %s\n", verdict)
}
