package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// DirStore serves the regular files under a folder through os.Root, so
// no name, symlink included, resolves outside it.
type DirStore struct{ root *os.Root }

// OpenDir opens dir as a store.
func OpenDir(dir string) (*DirStore, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &DirStore{root: root}, nil
}

// Close releases the folder.
func (s *DirStore) Close() error { return s.root.Close() }

func (s *DirStore) Stat(_ context.Context, name string) (Object, error) {
	if !ValidName(name) {
		return Object{}, ErrNotFound
	}
	fi, err := s.root.Stat(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || isEscape(err) {
			return Object{}, ErrNotFound
		}
		return Object{}, err
	}
	if !fi.Mode().IsRegular() {
		return Object{}, ErrNotFound // folders are never listed
	}
	return objectOf(fi), nil
}

func objectOf(fi fs.FileInfo) Object {
	return Object{Size: fi.Size(), ModTime: fi.ModTime(), ETag: fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano())}
}

// isEscape is os.Root's refusal of a path (a symlink) that leaves it.
func isEscape(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Err != nil && pe.Err.Error() == "path escapes from parent"
}

func (s *DirStore) Open(_ context.Context, name string, obj Object, off, n int64) (io.ReadCloser, error) {
	if !ValidName(name) {
		return nil, ErrNotFound
	}
	f, err := s.root.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && objectOf(fi).ETag != obj.ETag {
		err = fmt.Errorf("%s changed since it was described (%d bytes, now %d)", name, obj.Size, fi.Size())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, off, n), f}, nil
}
