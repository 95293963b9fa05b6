package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// The load generator must never be aimed at someone else's server: the
// manifest's host has to resolve to loopback addresses only, and every
// connection is checked again at dial time, after resolution, so a name
// that resolves differently later (DNS rebinding) or a redirect cannot
// take the traffic elsewhere.

// checkLoopback refuses a manifest URL that is not plain http to a host
// whose every address is a loopback one.
func checkLoopback(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("manifest URL %q: %w", raw, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("manifest URL %q: want http://HOST[:PORT]/…/manifest.json", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("refusing %s: not a loopback address (the load test only runs against a server on this machine)", host)
		}
		return u, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("manifest host %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("manifest host %q has no address", host)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return nil, fmt.Errorf("refusing %s: it resolves to %s, not a loopback address (the load test only runs against a server on this machine)", host, a.IP)
		}
	}
	return u, nil
}

// dialCounter counts the TCP connections opened, so the report shows
// whether keep-alive held (one per client) or connections were remade.
type dialCounter struct{ n atomic.Int64 }

// loopbackDialer dials loopback addresses only: Control runs on the
// resolved address, just before connect.
func (c *dialCounter) loopbackDialer() *net.Dialer {
	return &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("refusing to connect to %s: not a loopback address", address)
			}
			c.n.Add(1)
			return nil
		},
	}
}

// newClient is one client's own connection: keep-alive on, one
// connection at a time, no proxy (a proxy would be another host), no
// transparent decompression (the bytes compared are the bytes sent), and
// redirects not followed.
func (c *dialCounter) newClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           c.loopbackDialer().DialContext,
		MaxIdleConnsPerHost:   1,
		MaxConnsPerHost:       1,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: timeout,
		DisableCompression:    true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
