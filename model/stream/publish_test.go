package stream

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fillGen writes a model of generation gen: a manifest naming its shard,
// and the shard, whose name and bytes both carry gen.
func fillGen(gen int) func(dir string) error {
	return func(dir string) error {
		shard := fmt.Sprintf("shard-%016d.bin", gen)
		if err := os.WriteFile(filepath.Join(dir, shard), []byte(strings.Repeat(fmt.Sprint(gen%10), 4096)), 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(shard), 0o644)
	}
}

// readModel reads dst's manifest, then the shard it names: the bytes must
// be that generation's, or the shard gone (a newer model replaced it).
func readModel(dst string) (gen int, err error) {
	m, err := os.ReadFile(filepath.Join(dst, "manifest.json"))
	if err != nil {
		return 0, err
	}
	if _, err := fmt.Sscanf(string(m), "shard-%016d.bin", &gen); err != nil {
		return 0, fmt.Errorf("manifest %q: %w", m, err)
	}
	b, err := os.ReadFile(filepath.Join(dst, string(m)))
	if errors.Is(err, os.ErrNotExist) {
		return gen, nil
	}
	if err != nil || string(b) != strings.Repeat(fmt.Sprint(gen%10), 4096) {
		return gen, fmt.Errorf("generation %d: shard %q (%v)", gen, b[:min(8, len(b))], err)
	}
	return gen, nil
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestPublishSwitchesWhole(t *testing.T) {
	parent := t.TempDir()
	dst := filepath.Join(parent, "default")
	// A plain folder from before versioning is adopted (with a brief gap,
	// so before the reader starts).
	os.MkdirAll(dst, 0o755)
	fillGen(0)(dst)
	if err := Publish(dst, fillGen(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(parent, "default.v0-adopted")); err != nil {
		t.Errorf("the plain folder was not kept as the previous version: %v", err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readErr error
	wg.Add(1)
	go func() { // a server reading while models are published
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := readModel(dst); err != nil && readErr == nil {
				readErr = err
			}
		}
	}()
	for gen := 2; gen <= 20; gen++ {
		if err := Publish(dst, fillGen(gen)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatalf("a reader saw a half-published or mixed model: %v", readErr)
	}
	if gen, err := readModel(dst); gen != 20 || err != nil {
		t.Fatalf("after 20 publishes: generation %d, %v", gen, err)
	}
	if es := entries(t, parent); len(es) != 3 {
		t.Errorf("left beside the link: %v (want the link, the current version and the previous one)", es)
	}
	if fi, err := os.Lstat(dst); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is not a link: %v", dst, err)
	}
}

func TestPublishFailureKeepsTheOldModel(t *testing.T) {
	parent := t.TempDir()
	dst := filepath.Join(parent, "default")
	if err := Publish(dst, fillGen(1)); err != nil {
		t.Fatal(err)
	}
	full := func(dir string) error { // the disk fills up half-way
		fillGen(2)(dir)
		return &os.PathError{Op: "write", Path: filepath.Join(dir, "shard"), Err: syscall.ENOSPC}
	}
	err := Publish(dst, full)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a full disk: %v", err)
	}
	if gen, err := readModel(dst); gen != 1 || err != nil {
		t.Errorf("after a failed publish: generation %d, %v", gen, err)
	}
	if es := entries(t, parent); len(es) != 2 {
		t.Errorf("a failed publish left %v (want the link and the one version)", es)
	}
}

// TestPublishKilled kills -9 a publisher in the middle of writing; the
// old model stays served whole, and the next publish clears the remains.
func TestPublishKilled(t *testing.T) {
	if dst := os.Getenv("STREAM_PUBLISH_CHILD"); dst != "" {
		Publish(dst, func(dir string) error {
			fillGen(2)(dir)
			os.WriteFile(dst+".ready", nil, 0o644)
			time.Sleep(time.Minute) // killed here
			return nil
		})
		os.Exit(0)
	}
	parent := t.TempDir()
	dst := filepath.Join(parent, "default")
	if err := Publish(dst, fillGen(1)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPublishKilled$")
	cmd.Env = append(os.Environ(), "STREAM_PUBLISH_CHILD="+dst)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(dst + ".ready"); err == nil {
			break
		}
		if i > 1000 {
			cmd.Process.Kill()
			t.Fatal("the publisher never started writing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	os.Remove(dst + ".ready")
	if gen, err := readModel(dst); gen != 1 || err != nil {
		t.Fatalf("after the publisher was killed: generation %d, %v", gen, err)
	}
	if err := Publish(dst, fillGen(3)); err != nil {
		t.Fatal(err)
	}
	if es := entries(t, parent); len(es) != 3 {
		t.Errorf("the killed publisher's folder was not cleared: %v (want the link and two versions)", es)
	}
}
