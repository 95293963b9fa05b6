// Package serve is the static file handler behind `server serve` and the
// Cloudflare Worker: the demo page, its wasm and the streaming-format
// models, read from a Store (a folder on disk, or an R2 bucket at the
// edge). It answers GET and HEAD only, single byte ranges, ETag
// revalidation, precompressed variants, and never lists a folder or
// leaves its store.
package serve

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is a Store's answer for a name it does not hold (folders
// included: nothing is ever listed).
var ErrNotFound = errors.New("serve: not found")

// Object describes one stored file.
type Object struct {
	Size    int64
	ModTime time.Time
	// ETag is the strong validator, quoted ("…"), that changes whenever
	// the bytes do.
	ETag string
}

// Store holds the served files under clean slash-separated names
// (ValidName's).
type Store interface {
	// Stat describes name, or returns ErrNotFound.
	Stat(ctx context.Context, name string) (Object, error)
	// Open returns n bytes of name from offset off, for an object Stat
	// described as obj; it fails rather than return other bytes (a file
	// that changed since, for example).
	Open(ctx context.Context, name string, obj Object, off, n int64) (io.ReadCloser, error)
}
