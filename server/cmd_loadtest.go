//go:build !(js && wasm)

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"blip2/loadgen"
)

func init() {
	register("loadtest", "load a weight server on this machine with random byte ranges, every byte checked (loopback only)", runLoadtest)
}

func runLoadtest(args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	manifest := fs.String("manifest", "http://127.0.0.1:8080/web/models/default/manifest.json",
		"the model's manifest.json; its host must resolve to loopback addresses (with -spawn only its path is used)")
	cfg := loadgen.Config{}
	fs.IntVar(&cfg.Clients, "clients", 50, fmt.Sprintf("concurrent clients, each on its own keep-alive connection (at most %d)", loadgen.MaxClients))
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, fmt.Sprintf("how long the clients send requests (at most %s)", loadgen.MaxDuration))
	fs.Int64Var(&cfg.MaxRange, "max-range", 1<<20, "the longest byte range asked for")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed of the random ranges (0: a new one, printed in the report)")
	spawn := fs.Bool("spawn", false, "start `server serve` on a free loopback port as a child process, aim at it and sample its RSS")
	root := fs.String("root", ".", "with -spawn: the repository root the spawned server serves")
	inflight := fs.Int("server-max-inflight", 0, "with -spawn: the spawned server's -max-inflight (0: its default); keep it above -clients")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "without -spawn: the process id of the server, to sample its RSS (Linux)")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.Check(); err != nil {
		return err
	}
	cfg.ManifestURL = *manifest
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var child *spawnedServer
	if *spawn {
		if cfg.ServerPID != 0 {
			return errors.New("-server-pid and -spawn: the spawned server's RSS is sampled anyway; pass one of them")
		}
		u, err := url.Parse(*manifest)
		if err != nil {
			return fmt.Errorf("-manifest: %w", err)
		}
		if child, err = spawnServer(ctx, *root, *inflight); err != nil {
			return err
		}
		defer child.stop()
		u.Scheme, u.Host = "http", child.addr
		cfg.ManifestURL, cfg.ServerPID = u.String(), child.cmd.Process.Pid
	}
	rep, err := loadgen.Run(ctx, cfg)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w\n(no server there: start one with `go run ./server serve`, or pass -spawn)", err)
	}
	if err != nil {
		return err
	}
	if child != nil {
		if err := child.stop(); err != nil {
			rep.OK = false
			rep.ErrorSamples = append(rep.ErrorSamples, "spawned server: "+err.Error())
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(os.Stdout)
	}
	if !rep.OK {
		return fmt.Errorf("%d of %d requests failed, %d corrupted bytes", rep.Failed, rep.Requests, rep.CorruptedBytes)
	}
	if rep.Interrupted { // a cut-short run is not the run that was asked for
		return fmt.Errorf("interrupted after %.1f s of %s", rep.ElapsedS, cfg.Duration)
	}
	return nil
}

// spawnedServer is `server serve` run by the load test as a child: the
// same binary, re-executed, so it works under `go run` as well.
type spawnedServer struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
	err    error // the child's exit, once exited is closed
}

// spawnServer starts the server on a free loopback port and waits until
// /healthz answers.
func spawnServer(ctx context.Context, root string, maxInFlight int) (*spawnedServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("-spawn: finding this binary: %w", err)
	}
	// Take a free port and let it go for the child; another process could
	// take it in between, which the health check would then report.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("-spawn: no free port: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"serve", "-addr", addr, "-root", root, "-drain", "5s"}
	if maxInFlight > 0 {
		args = append(args, "-max-inflight", strconv.Itoa(maxInFlight))
	}
	cmd := exec.Command(exe, args...)
	// The child's log goes to stderr, so stdout stays the report alone.
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// A profile asked of the load test is not the server's to write.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BLIP2_CPUPROFILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("-spawn: %w", err)
	}
	s := &spawnedServer{cmd: cmd, addr: addr, exited: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *spawnedServer) waitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("-spawn: the server exited before answering: %v", s.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("-spawn: the server on %s did not answer /healthz within %s", s.addr, limit)
		}
	}
}

// stop asks the child to shut down gracefully, kills it if it has not
// within 10 s, and returns how it exited. It may be called again.
func (s *spawnedServer) stop() error {
	select {
	case <-s.exited:
		return s.err
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return errors.New("did not stop within 10 s of SIGINT; killed")
	}
	return s.err
}
