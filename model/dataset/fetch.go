package dataset

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Package is one registry package pinned to an exact version. The dataset
// is only reproducible because every input is named this way: a package's
// version never changes its bytes on npm, and Debian keeps a version's .deb
// stable.
type Package struct {
	Registry string // "npm" or "deb"
	Name     string // "@tabler/icons-png", "openclipart-png"
	Version  string // "3.48.0", "1:0.18+dfsg-19"
}

func (p Package) String() string { return p.Registry + ":" + p.Name + "@" + p.Version }

// FileName is the name of the package's archive in the cache. It matches
// what `npm pack` and `apt-get download` write, so a cache filled by hand
// with those tools is used as is.
func (p Package) FileName() string {
	switch p.Registry {
	case "npm":
		n := strings.TrimPrefix(p.Name, "@")
		n = strings.ReplaceAll(n, "/", "-")
		return n + "-" + p.Version + ".tgz"
	case "deb":
		return p.Name + "_" + strings.ReplaceAll(p.Version, ":", "%3a") + "_all.deb"
	}
	return ""
}

// Fetcher keeps downloaded packages in a cache folder outside the output,
// so that a second build, or a build without network, finds them there.
type Fetcher struct {
	CacheDir string
	Offline  bool // never call npm or apt-get; a missing package is an error
}

// DefaultCacheDir is $XDG_CACHE_HOME/blip2/pkgs, else ~/.cache/blip2/pkgs.
func DefaultCacheDir() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "blip2-pkgs")
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "blip2", "pkgs")
}

// Path returns the cached archive of p, downloading it first when needed.
// Downloads go to a scratch folder and are renamed into place, so an
// interrupted download never leaves a file that looks complete.
func (f *Fetcher) Path(ctx context.Context, p Package) (string, error) {
	dst := filepath.Join(f.CacheDir, p.FileName())
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	if f.Offline {
		return "", fmt.Errorf("%s: not in cache %s and offline", p, f.CacheDir)
	}
	if err := os.MkdirAll(f.CacheDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(f.CacheDir, ".download-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	var cmd *exec.Cmd
	switch p.Registry {
	case "npm":
		cmd = exec.CommandContext(ctx, "npm", "pack", "--silent", p.Name+"@"+p.Version)
	case "deb":
		cmd = exec.CommandContext(ctx, "apt-get", "download", "-q", p.Name+"="+p.Version)
	default:
		return "", fmt.Errorf("%s: unknown registry", p)
	}
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("fetch %s: %v: %s", p, err, strings.TrimSpace(string(out)))
	}
	got, _ := filepath.Glob(filepath.Join(tmp, "*"))
	if len(got) != 1 {
		return "", fmt.Errorf("fetch %s: expected one archive, found %d", p, len(got))
	}
	if err := os.Rename(got[0], dst); err != nil {
		return "", err
	}
	return dst, nil
}
