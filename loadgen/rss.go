package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// RSS is the server's resident memory over a run, in KiB, from
// /proc/PID/status (Linux): before any request, when the load starts
// (after the reference download has warmed the server up), a tenth of
// the way into the load (once every client's connection and buffers
// exist), its peak under load, when the load ends, and one sample a
// second under load. A server that streams rather than buffers holds
// flat from the warm sample to the end, with a peak close to both.
type RSS struct {
	PID       int     `json:"pid"`
	Samples   int     `json:"samples"`
	IdleKiB   int64   `json:"idle_kib"`
	StartKiB  int64   `json:"start_kib"`
	WarmKiB   int64   `json:"warm_kib"`
	PeakKiB   int64   `json:"peak_kib"`
	EndKiB    int64   `json:"end_kib"`
	SeriesKiB []int64 `json:"series_kib,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// rssInterval is how often the sampler reads the server's RSS.
const rssInterval = 100 * time.Millisecond

// rssSampler reads a process's VmRSS every rssInterval in the background.
type rssSampler struct {
	mu   sync.Mutex
	r    RSS
	load bool // between beginLoad and endLoad: samples count toward the peak
	// warmAt is when the warm sample is due; loadSamples counts samples
	// under load, every tenth of which joins the series.
	warmAt      time.Time
	loadSamples int
	stop        chan struct{}
	done        chan struct{}
}

// startRSS takes the idle sample at once (failing if the process cannot
// be read) and then samples in the background.
func startRSS(pid int) (*rssSampler, error) {
	kib, err := readVmRSS(pid)
	if err != nil {
		return nil, err
	}
	s := &rssSampler{r: RSS{PID: pid, Samples: 1, IdleKiB: kib}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s, nil
}

func (s *rssSampler) run() {
	defer close(s.done)
	t := time.NewTicker(rssInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sample()
		}
	}
}

// sample reads the RSS once; the first failure (the server exited) is
// kept for the report.
func (s *rssSampler) sample() int64 {
	kib, err := readVmRSS(s.r.PID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.r.Error == "" {
			s.r.Error = err.Error()
		}
		return 0
	}
	s.r.Samples++
	if s.load {
		s.r.PeakKiB = max(s.r.PeakKiB, kib)
		if s.r.WarmKiB == 0 && !time.Now().Before(s.warmAt) {
			s.r.WarmKiB = kib
		}
		if s.loadSamples%int(time.Second/rssInterval) == 0 {
			s.r.SeriesKiB = append(s.r.SeriesKiB, kib)
		}
		s.loadSamples++
	}
	return kib
}

// beginLoad takes the start sample; the warm one follows a tenth of
// duration later.
func (s *rssSampler) beginLoad(duration time.Duration) {
	s.mu.Lock()
	s.load = true
	s.warmAt = time.Now().Add(duration / 10)
	s.mu.Unlock()
	kib := s.sample()
	s.mu.Lock()
	s.r.StartKiB = kib
	s.mu.Unlock()
}

// endLoad takes the last sample, stops the sampler and returns the
// figures.
func (s *rssSampler) endLoad() RSS {
	kib := s.sample()
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.EndKiB = kib
	if s.r.WarmKiB == 0 { // a load too short to reach the warm sample
		s.r.WarmKiB = kib
	}
	s.load = false
	return s.r
}

// readVmRSS is the VmRSS line of /proc/PID/status, in KiB.
func readVmRSS(pid int) (int64, error) {
	kib, err := StatusKiB(pid, "VmRSS")
	if err != nil {
		return 0, fmt.Errorf("server RSS: %w", err)
	}
	return kib, nil
}

// StatusKiB is a memory line of /proc/PID/status (Linux), such as VmRSS or
// VmHWM (the peak), in KiB.
func StatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(field+":"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest) // "12345 kB"
		if len(f) != 2 || string(f[1]) != "kB" {
			break
		}
		return strconv.ParseInt(string(f[0]), 10, 64)
	}
	return 0, fmt.Errorf("no %s line in /proc/%d/status", field, pid)
}
