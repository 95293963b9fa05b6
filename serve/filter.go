package serve

import (
	"context"
	"io"
	"strings"
)

// Filtered is a Store that holds only the names under Allow (a file name,
// or a folder ending in "/") and not under Deny: `server serve` publishes
// the page, web/ and the models out of the repository root, not its
// sources or web/node_modules.
type Filtered struct {
	Store
	Allow, Deny []string
}

func (f Filtered) permits(name string) bool {
	under := func(list []string) bool {
		for _, p := range list {
			if name == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(name, p)) {
				return true
			}
		}
		return false
	}
	return under(f.Allow) && !under(f.Deny)
}

func (f Filtered) Stat(ctx context.Context, name string) (Object, error) {
	if !f.permits(name) {
		return Object{}, ErrNotFound
	}
	return f.Store.Stat(ctx, name)
}

func (f Filtered) Open(ctx context.Context, name string, obj Object, off, n int64) (io.ReadCloser, error) {
	if !f.permits(name) {
		return nil, ErrNotFound
	}
	return f.Store.Open(ctx, name, obj, off, n)
}
