package serve

import "net/http"

// Limit lets at most n requests into h at once and answers the rest at
// once with 503 and Retry-After, so that a flood costs the server a
// small reply per request rather than its memory.
func Limit(h http.Handler, n int) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy: too many requests in flight", http.StatusServiceUnavailable)
		}
	})
}
