package kerneltest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
)

// TwinKey normalises a kernel name to the lowercased name of its pure-Go
// twin: layernorm_bwd_input → "layernormbackwardinput", matching
// cpu.LayerNormBackwardInput. A variant's twin may be the twin of the base
// kernel (matmul_fwd_tiled → cpu.MatMulForward): callers match by prefix.
func TwinKey(kernel string) string {
	var b strings.Builder
	for _, part := range strings.Split(kernel, "_") {
		switch part {
		case "fwd":
			part = "forward"
		case "bwd":
			part = "backward"
		}
		b.WriteString(part)
	}
	return b.String()
}

// FindTwin returns the function among names whose lowercased name is the
// longest prefix of the kernel's TwinKey, or "".
func FindTwin(kernel string, names []string) string {
	key, best := TwinKey(kernel), ""
	for _, n := range names {
		if strings.HasPrefix(key, strings.ToLower(n)) && len(n) > len(best) {
			best = n
		}
	}
	return best
}

// Table renders the kernel table of docs/kernels.md: each kernel with its
// twin, its tolerance, the shapes its parity cases cover, and the measured
// timings beside the twin's.
func Table(twins []string, timings []Timing) string {
	type row struct {
		atol, rtol float64
		shapes     []string
		browser    int
	}
	rows := map[string]*row{}
	for _, c := range Cases(false) {
		for _, k := range c.Kernels {
			r := rows[k]
			if r == nil {
				r = &row{}
				rows[k] = r
			}
			r.atol, r.rtol = max(r.atol, c.Atol), max(r.rtol, c.Rtol)
			r.shapes = append(r.shapes, c.Shape)
			if c.Browser {
				r.browser++
			}
		}
	}
	names := make([]string, 0, len(rows))
	for k := range rows {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("| kernel | pure-Go twin | tolerance (atol, rtol) | parity shapes (native; browser cases) |\n|---|---|---|---|\n")
	for _, k := range names {
		r := rows[k]
		fmt.Fprintf(&b, "| `%s` | `cpu.%s` | %.0e, %.0e | %s (%d in browser) |\n", k, FindTwin(k, twins), r.atol, r.rtol, strings.Join(r.shapes, ", "), r.browser)
	}
	if len(timings) > 0 {
		fmt.Fprintf(&b, "\nMeasured on %s:\n\n| kernel | shape | ms | GFLOP/s | GB/s | twin ms | twin GFLOP/s | twin GB/s | speed-up |\n|---|---|---|---|---|---|---|---|---|\n", timings[0].Adapter)
		for _, t := range timings {
			fmt.Fprintf(&b, "| `%s` | %s | %.3f | %s | %s | %.3f | %s | %s | %.1f× |\n", t.Kernel, t.Shape, t.MS, num(t.GFLOPS), num(t.GBPS), t.TwinMS, num(t.TwinGFLOPS), num(t.TwinGBPS), t.Speedup)
		}
	}
	return b.String()
}

func num(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

// ExportedFuncs lists the package-level exported functions of a directory.
func ExportedFuncs(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	var names []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.IsExported() {
				names = append(names, fn.Name.Name)
			}
		}
	}
	return names, nil
}
