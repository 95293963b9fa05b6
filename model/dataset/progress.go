package dataset

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress draws one line per task on a terminal: a bar, items done,
// items per second and the time left. It redraws at most four times a
// second, so a fast task does not spend its time printing.
type Progress struct {
	w      io.Writer
	name   string
	total  int
	mu     sync.Mutex
	done   int
	start  time.Time
	drawn  time.Time
	closed bool
}

// NewProgress starts a bar; w == nil gives a silent one.
func NewProgress(w io.Writer, name string, total int) *Progress {
	p := &Progress{w: w, name: name, total: total, start: time.Now()}
	p.draw(true)
	return p
}

// Add counts n more items done.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.draw(false)
}

// Finish draws the final state and ends the line.
func (p *Progress) Finish(note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.draw(true)
	if p.w != nil {
		if note != "" {
			fmt.Fprintf(p.w, "  %s", note)
		}
		fmt.Fprintln(p.w)
	}
}

func (p *Progress) draw(force bool) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.drawn) < 250*time.Millisecond {
		return
	}
	p.drawn = now
	const width = 24
	filled := width
	if p.total > 0 {
		filled = min(width, p.done*width/p.total)
	}
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	secs := now.Sub(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.done) / secs
	}
	eta := "--:--"
	if rate > 0 && p.total >= p.done {
		left := time.Duration(float64(p.total-p.done)/rate) * time.Second
		eta = fmt.Sprintf("%02d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	fmt.Fprintf(p.w, "\r%-18s [%s] %6d/%-6d %7.1f/s  ETA %s", p.name, bar, p.done, p.total, rate, eta)
}
