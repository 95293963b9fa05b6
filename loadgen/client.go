package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// rangeRequest is one single byte range and what the server must answer.
type rangeRequest struct {
	shard         *shard
	header        string // the Range header sent
	start, length int64  // the bytes it names, clamped to the shard
}

// pickRange draws a random shard and a range of 1..maxRange bytes in one
// of the forms a client may send: mostly "a-b", sometimes the suffix
// "-n" and the open-ended "a-" (aimed at the shard's tail so it stays
// within maxRange), and sometimes "a-b" running past the end, which the
// server must clamp.
func pickRange(rng *rand.Rand, shards []shard, maxRange int64) rangeRequest {
	s := &shards[rng.IntN(len(shards))]
	size := int64(len(s.data))
	n := 1 + rng.Int64N(min(maxRange, size))
	switch form := rng.IntN(10); form {
	case 0: // suffix: the last n bytes
		return rangeRequest{s, "bytes=-" + strconv.FormatInt(n, 10), size - n, n}
	case 1: // open-ended: from size-n to the end
		return rangeRequest{s, fmt.Sprintf("bytes=%d-", size-n), size - n, n}
	case 2: // an end past the shard's last byte
		start := rng.Int64N(size)
		end := start + n - 1
		return rangeRequest{s, fmt.Sprintf("bytes=%d-%d", start, end), start, min(end, size-1) - start + 1}
	default:
		start := rng.Int64N(size - n + 1)
		return rangeRequest{s, fmt.Sprintf("bytes=%d-%d", start, start+n-1), start, n}
	}
}

// client is one simulated browser: its own keep-alive connection, its
// own random stream, its own counters and a body buffer it reuses.
type client struct {
	http   *http.Client
	rng    *rand.Rand
	shards []shard
	max    int64
	buf    []byte
	st     *stats
}

// loop sends ranges until the deadline or ctx ends. A request in flight
// at the deadline is let finish (within the request timeout), so the
// deadline itself never shows up as an error.
func (c *client) loop(ctx context.Context, deadline time.Time) {
	for ctx.Err() == nil && time.Now().Before(deadline) {
		r := pickRange(c.rng, c.shards, c.max)
		before := c.st.failureCount()
		t0 := time.Now()
		got := c.fetch(context.WithoutCancel(ctx), r)
		c.st.latency.add(time.Since(t0))
		c.st.requests++
		c.st.bytes += got
		if c.st.failureCount() > before {
			c.st.failed++
		}
	}
}

// fetch sends one range request, checks the answer against the
// reference and returns the body bytes received.
func (c *client) fetch(ctx context.Context, r rangeRequest) int64 {
	what := r.shard.name + " " + r.header
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.shard.url, nil)
	if err != nil {
		c.st.fail(failTransport, what+": "+err.Error())
		return 0
	}
	req.Header.Set("Range", r.header)
	resp, err := c.http.Do(req)
	if err != nil {
		c.st.fail(failTransport, what+": "+err.Error())
		return 0
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		c.st.statuses[resp.StatusCode]++
		c.st.fail(failStatus, what+": "+resp.Status)
		// Read a little so the connection can be reused for small error pages.
		n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return n
	}
	size := int64(len(r.shard.data))
	wantRange := fmt.Sprintf("bytes %d-%d/%d", r.start, r.start+r.length-1, size)
	if got := resp.Header.Get("Content-Range"); got != wantRange {
		c.st.fail(failHeader, fmt.Sprintf("%s: Content-Range %q, want %q", what, got, wantRange))
		return 0
	}
	if resp.ContentLength != r.length {
		c.st.fail(failHeader, fmt.Sprintf("%s: Content-Length %d, want %d", what, resp.ContentLength, r.length))
		return 0
	}
	body := c.buf[:r.length]
	n, err := io.ReadFull(resp.Body, body)
	// Compare what did arrive even when the body was cut short.
	if bad := differing(body[:n], r.shard.data[r.start:r.start+int64(n)]); bad > 0 {
		c.st.corrupted += bad
		c.st.fail(failMismatch, fmt.Sprintf("%s: %d of %d bytes differ from the reference", what, bad, n))
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		c.st.fail(failShort, fmt.Sprintf("%s: body ended after %d of %d bytes", what, n, r.length))
	case err != nil:
		c.st.fail(failTransport, fmt.Sprintf("%s: after %d of %d bytes: %v", what, n, r.length, err))
	}
	return int64(n)
}

// differing counts the positions where a and b (of equal length) differ;
// bytes.Equal first keeps the common, all-equal case fast.
func differing(a, b []byte) int64 {
	if bytes.Equal(a, b) {
		return 0
	}
	bad := int64(0)
	for i := range a {
		if a[i] != b[i] {
			bad++
		}
	}
	return bad
}
