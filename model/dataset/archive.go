package dataset

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"
)

// Files is the part of an unpacked package that a source asked for, keyed
// by the path inside the package without its leading "package/" (npm) or
// "./" (deb).
type Files map[string][]byte

// ReadArchive unpacks the files of an npm .tgz or a Debian .deb whose path
// satisfies keep. Reading the archive whole, instead of unpacking it to
// disk, keeps the build free of half-unpacked folders after an
// interruption. A truncated or corrupt archive gives an error.
func ReadArchive(ctx context.Context, file string, keep func(name string) bool) (Files, error) {
	if strings.HasSuffix(file, ".deb") {
		return readDeb(ctx, file, keep)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	files, err := readTar(gz, "package/", keep)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return files, nil
}

// readDeb leaves the decompression of the data member (xz or zstd) to
// dpkg-deb, which every Debian machine has.
func readDeb(ctx context.Context, file string, keep func(string) bool) (Files, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--fsys-tarfile", file)
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	files, terr := readTar(out, "./", keep)
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if terr != nil {
		return nil, fmt.Errorf("%s: %w", file, terr)
	}
	if werr != nil {
		return nil, fmt.Errorf("%s: dpkg-deb: %v: %s", file, werr, strings.TrimSpace(stderr.String()))
	}
	return files, nil
}

// readTar keeps regular files and resolves symbolic links inside the
// archive, so that a linked file is found under both of its names.
func readTar(r io.Reader, prefix string, keep func(string) bool) (Files, error) {
	files := Files{}
	links := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(h.Name, prefix)
		switch h.Typeflag {
		case tar.TypeReg:
			if !keep(name) {
				continue
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			files[name] = b
		case tar.TypeSymlink:
			if keep(name) {
				links[name] = path.Join(path.Dir(name), h.Linkname)
			}
		}
	}
	for name, target := range links {
		if b, ok := files[target]; ok {
			files[name] = b
		}
	}
	return files, nil
}
