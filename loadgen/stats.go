package loadgen

import (
	"math/bits"
	"time"
)

// failure is why a request did not count as a good one.
type failure int

const (
	failTransport failure = iota // no answer, or the connection broke mid-body
	failStatus                   // an answer other than 206 (503 from the in-flight limit included)
	failHeader                   // a wrong Content-Range or Content-Length
	failShort                    // the body ended before Content-Length bytes
	failMismatch                 // bytes that differ from the verified reference
	failureKinds
)

// maxSamples is how many failure messages a report keeps.
const maxSamples = 8

// stats is what one client saw; each client owns its own and they are
// merged at the end, so the hot loop takes no lock.
type stats struct {
	requests, bytes int64
	failed          int64 // requests with at least one failure
	failures        [failureKinds]int64
	corrupted       int64
	statuses        map[int]int64 // answers other than 206, by status
	samples         []string
	latency         histogram
}

func newStats() *stats { return &stats{statuses: map[int]int64{}} }

func (s *stats) fail(kind failure, msg string) {
	s.failures[kind]++
	if len(s.samples) < maxSamples {
		s.samples = append(s.samples, msg)
	}
}

func (s *stats) failureCount() int64 {
	n := int64(0)
	for _, f := range s.failures {
		n += f
	}
	return n
}

func (s *stats) merge(o *stats) {
	s.requests += o.requests
	s.bytes += o.bytes
	s.failed += o.failed
	for i := range s.failures {
		s.failures[i] += o.failures[i]
	}
	s.corrupted += o.corrupted
	for code, n := range o.statuses {
		s.statuses[code] += n
	}
	for _, m := range o.samples {
		if len(s.samples) < maxSamples {
			s.samples = append(s.samples, m)
		}
	}
	s.latency.merge(&o.latency)
}

// histogram holds latencies in microseconds with a fixed, bounded size
// however long the run: exact below 64 µs, then 32 buckets per power of
// two, so a percentile is read to within about 3%. The maximum is kept
// exactly.
type histogram struct {
	counts [64 + 58*32]int64
	n      int64
	max    time.Duration
}

func bucketOf(us uint64) int {
	if us < 64 {
		return int(us)
	}
	shift := bits.Len64(us) - 6 // us>>shift is in [32, 64)
	return 64 + (shift-1)*32 + int(us>>shift) - 32
}

// upperBound is the largest latency bucket i holds, in microseconds.
func upperBound(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	shift := (i-64)/32 + 1
	top := uint64((i-64)%32 + 32)
	return (top+1)<<shift - 1
}

func (h *histogram) add(d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	h.counts[min(bucketOf(us), len(h.counts)-1)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile is the upper bound of the bucket holding the q-th latency,
// capped by the exact maximum.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n-1)) + 1
	seen := int64(0)
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return min(time.Duration(upperBound(i))*time.Microsecond, h.max)
		}
	}
	return h.max
}
