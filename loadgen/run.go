// Package loadgen is a bounded load generator for the weight server,
// for loopback servers only: it downloads and verifies a streaming-format
// model's shards once, then has many keep-alive clients fetch random
// single byte ranges of them until a deadline, checking every answer's
// status, headers and bytes against the verified copy, and reports
// throughput, latency percentiles, errors by kind and, given the server's
// process id, its memory over the run.
package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Config is one run.
type Config struct {
	// ManifestURL is the model's manifest.json; its host must resolve to
	// loopback addresses only.
	ManifestURL string
	Clients     int           // concurrent clients, each on its own connection
	Duration    time.Duration // how long the clients send requests
	MaxRange    int64         // the longest range asked for, in bytes
	// ServerPID, when not 0, is the server's process: its RSS is sampled
	// every 100 ms (Linux).
	ServerPID int
	// Seed makes the sequence of ranges repeatable; 0 draws one.
	Seed uint64
}

// Bounds on a run, so a typo cannot turn the tool into a flood.
const (
	MaxClients     = 1000
	MaxDuration    = 15 * time.Minute
	MaxRangeLimit  = 64 << 20
	requestTimeout = 30 * time.Second
)

// Check refuses a configuration outside the bounds.
func (c *Config) Check() error {
	switch {
	case c.Clients < 1 || c.Clients > MaxClients:
		return fmt.Errorf("clients: %d, want 1 to %d", c.Clients, MaxClients)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration: %s, want more than 0 and at most %s", c.Duration, MaxDuration)
	case c.MaxRange < 1 || c.MaxRange > MaxRangeLimit:
		return fmt.Errorf("max range: %d bytes, want 1 to %d", c.MaxRange, MaxRangeLimit)
	case c.ServerPID < 0:
		return fmt.Errorf("server pid: %d", c.ServerPID)
	}
	return nil
}

// Run checks the target, builds the reference copy and runs the load.
// The error is for a run that could not start (a refused host, a manifest
// or shard that does not verify); a run that started returns its report,
// whose OK says whether every answer was right. Ending ctx stops the
// clients early; the report then covers the time they ran.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	u, err := checkLoopback(ctx, cfg.ManifestURL)
	if err != nil {
		return nil, err
	}
	var rss *rssSampler
	if cfg.ServerPID != 0 {
		if rss, err = startRSS(cfg.ServerPID); err != nil {
			return nil, err
		}
		defer func() {
			if rss != nil {
				rss.endLoad()
			}
		}()
	}
	var dials dialCounter
	refClient := dials.newClient(5 * time.Minute) // whole shards, up to 64 MiB each
	t0 := time.Now()
	shards, err := fetchReference(ctx, refClient, u)
	if err != nil {
		return nil, err
	}
	refClient.CloseIdleConnections()
	rep := &Report{Manifest: u.String(), Shards: len(shards), Clients: cfg.Clients,
		DurationS: cfg.Duration.Seconds(), MaxRange: cfg.MaxRange, ReferenceS: time.Since(t0).Seconds()}
	for _, s := range shards {
		rep.ShardBytes += int64(len(s.data))
	}
	dialsBefore := dials.n.Load()

	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	rep.Seed = seed
	clients := make([]*client, cfg.Clients)
	for i := range clients {
		clients[i] = &client{http: dials.newClient(requestTimeout), rng: rand.New(rand.NewPCG(seed, uint64(i))),
			shards: shards, max: cfg.MaxRange, buf: make([]byte, cfg.MaxRange), st: newStats()}
	}
	if rss != nil {
		rss.beginLoad(cfg.Duration)
	}
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { c.loop(ctx, deadline) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	if rss != nil {
		r := rss.endLoad()
		rss = nil
		rep.ServerRSS = &r
	}
	total := newStats()
	for _, c := range clients {
		total.merge(c.st)
		c.http.CloseIdleConnections()
	}
	rep.Interrupted = ctx.Err() != nil
	rep.fill(total, elapsed, dials.n.Load()-dialsBefore)
	return rep, nil
}
