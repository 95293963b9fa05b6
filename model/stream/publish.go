package stream

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"blip2/model/atomicfile"
)

// Publishing a model to a folder that a server is reading from. dst is a
// symbolic link to a versioned folder beside it (default → default.v…);
// Publish fills a new version, syncs every file and the folder to disk,
// then swaps the link with one rename. Readers see the old model or the
// new one, whole, at every instant and across a crash or a kill of the
// publisher at any point; a running server picks the new one up on its
// next request. Shards are named by their hash, so a client still holding
// the old manifest gets a 404 for a shard that is gone, never another
// model's bytes (it reloads the manifest). The version just replaced is
// kept for readers that resolved the link before the switch; older ones
// are removed.

// versionSep joins the link's name and a version's stamp.
const versionSep = ".v"

// Publish writes a model at dst: fill writes every file into the empty
// folder it is given. A dst that is a plain folder (from before
// versioning) becomes the first version.
func Publish(dst string, fill func(dir string) error) error {
	dst = filepath.Clean(dst)
	parent, base := filepath.Split(dst)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102T150405.000000000")
	version := base + versionSep + strings.ReplaceAll(stamp, ".", "")
	tmp, err := os.MkdirTemp(parent, "."+version+".tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone once renamed; a failed fill leaves nothing
	if err := fill(tmp); err != nil {
		return fmt.Errorf("stream: publishing %s: %w", dst, err)
	}
	if err := syncTree(tmp); err != nil {
		return fmt.Errorf("stream: publishing %s: %w", dst, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it 0700
		return err
	}
	if err := os.Rename(tmp, filepath.Join(parent, version)); err != nil {
		return err
	}
	if err := adoptPlainFolder(dst, parent, base); err != nil {
		return err
	}
	link := filepath.Join(parent, "."+base+".link-tmp")
	os.Remove(link)
	if err := os.Symlink(version, link); err != nil {
		return err
	}
	if err := os.Rename(link, dst); err != nil { // the switch: atomic
		os.Remove(link)
		return err
	}
	if err := atomicfile.SyncDir(parent); err != nil {
		return err
	}
	return removeOldVersions(parent, base, version)
}

// adoptPlainFolder turns a dst that is still a plain folder into a
// version, so that the link can replace it.
func adoptPlainFolder(dst, parent, base string) error {
	fi, err := os.Lstat(dst)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink != 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("stream: %s is a file, not a model folder", dst)
	}
	// A brief gap (no model at dst) happens this once, at the first
	// versioned publish.
	return os.Rename(dst, filepath.Join(parent, base+versionSep+"0-adopted"))
}

// removeOldVersions keeps the current version and the newest other one,
// and removes the rest and what killed publishers left behind.
func removeOldVersions(parent, base, current string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	var old []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && strings.HasPrefix(n, base+versionSep) && n != current {
			old = append(old, n)
		}
		if strings.HasPrefix(n, "."+base+versionSep) && strings.Contains(n, ".tmp-") {
			if err := os.RemoveAll(filepath.Join(parent, n)); err != nil {
				return err
			}
		}
	}
	sort.Strings(old) // stamps sort by time; the adopted folder first
	for i := 0; i+1 < len(old); i++ {
		if err := os.RemoveAll(filepath.Join(parent, old[i])); err != nil {
			return err
		}
	}
	return nil
}

// syncTree flushes every file under dir, and the folders, to disk.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return atomicfile.SyncDir(path)
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}
