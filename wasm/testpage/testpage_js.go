//go:build js && wasm

// Package testpage is the frame of the browser test pages: it logs to the
// page's #log and the console, runs the suite, and sets data-done="pass" or
// "fail" on #status, which web/test/browser-test.mjs waits for.
package testpage

import (
	"fmt"
	"strings"

	"honnef.co/go/js/dom/v2"
)

// Say logs one line.
type Say func(format string, args ...any)

// Run runs suite, which returns its number of failures, reports the verdict
// and keeps the Go runtime alive for the page. It blocks on GPU readbacks
// inside suite, which is allowed: this is the main goroutine, not a JS
// callback.
func Run(suite func(say Say) (failed int)) {
	doc := dom.GetWindow().Document()
	log := doc.GetElementByID("log")
	var out strings.Builder
	say := func(format string, args ...any) {
		fmt.Fprintf(&out, format+"\n", args...)
		log.SetTextContent(out.String())
		fmt.Printf(format+"\n", args...)
	}
	failed := suite(say)
	verdict := "pass"
	if failed > 0 {
		verdict = "fail"
	}
	say("RESULT %s (%d failed)", verdict, failed)
	status := doc.GetElementByID("status")
	status.SetTextContent(strings.Replace(status.TextContent(), "running…", verdict+"ed", 1))
	status.SetAttribute("data-done", verdict)
	select {}
}
