package shaders

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gogpu/naga"
)

// TestEveryKernelCompilesWithNaga compiles each file with the native WGSL
// compiler; the browser suite compiles each with Tint.
func TestEveryKernelCompilesWithNaga(t *testing.T) {
	names := Names()
	if len(names) == 0 {
		t.Fatal("no kernels embedded")
	}
	for _, name := range names {
		k, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := naga.Compile(k.Source); err != nil {
			t.Errorf("%s: naga: %v", name, err)
		}
	}
}

var overrideRE = regexp.MustCompile(`\boverride\b`)

// TestKernelsFollowConventions guards the platform facts: `override` is
// broken natively, one entry point named main, WebGPU's default limits.
func TestKernelsFollowConventions(t *testing.T) {
	for _, name := range Names() {
		k, _ := Get(name)
		src := stripComments(k.Source)
		if overrideRE.MatchString(src) {
			t.Errorf("%s uses `override`, which gogpu's native path runs with one invocation per workgroup", name)
		}
		if strings.Count(src, "@compute") != 1 || !strings.Contains(src, "fn main(") {
			t.Errorf("%s: want exactly one @compute entry point named main", name)
		}
		if inv := k.Workgroup[0] * k.Workgroup[1] * k.Workgroup[2]; inv > 256 {
			t.Errorf("%s: %d invocations per workgroup, over WebGPU's default 256", name, inv)
		}
		if k.WorkgroupBytes > 16384 {
			t.Errorf("%s: %d bytes of workgroup memory, over WebGPU's default 16 KiB", name, k.WorkgroupBytes)
		}
		if storage := len(k.Bindings) - 1; storage > 8 {
			t.Errorf("%s: %d storage buffers, over WebGPU's default 8 per stage", name, storage)
		}
		if strings.Contains(src, "enable f16") {
			t.Errorf("%s: f16 is optional in browsers; keep kernels f32", name)
		}
	}
}

func TestParseReadsBindingsAndSizes(t *testing.T) {
	src := `
const WG: u32 = 64u;
var<workgroup> tile: array<vec4<f32>, WG>;
var<workgroup> sums: array<f32, 32>;
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(WG, 2)
fn main() {}`
	k, err := Parse("probe", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Bindings) != 3 || k.Bindings[0] != (Binding{"out", ReadWrite}) || k.Bindings[1] != (Binding{"x", Read}) || k.Bindings[2].Access != Uniform {
		t.Errorf("bindings = %v", k.Bindings)
	}
	if k.Workgroup != [3]uint32{64, 2, 1} {
		t.Errorf("workgroup = %v", k.Workgroup)
	}
	if k.WorkgroupBytes != 64*16+32*4 {
		t.Errorf("workgroup bytes = %d", k.WorkgroupBytes)
	}
}

func TestParseRejectsBrokenConventions(t *testing.T) {
	for name, src := range map[string]string{
		"no uniform":   "@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() {}",
		"gap":          "@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@group(0) @binding(2) var<uniform> p: P;\n@compute @workgroup_size(1) fn main() {}",
		"group 1":      "@group(1) @binding(0) var<uniform> p: P;\n@compute @workgroup_size(1) fn main() {}",
		"no workgroup": "@group(0) @binding(0) var<uniform> p: P;\nfn main() {}",
		"uniform name": "@group(0) @binding(0) var<uniform> params: P;\n@compute @workgroup_size(1) fn main() {}",
	} {
		if _, err := Parse(name, src); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

var floatLiteralRE = regexp.MustCompile(`\b\d+\.?\d*[eE][+-]?\d+\b`)

// TestFloatLiteralsFitF32: Tint (the browser's compiler) rejects an f32
// literal whose value rounds past FLT_MAX, where naga accepts it.
func TestFloatLiteralsFitF32(t *testing.T) {
	for _, name := range Names() {
		k, _ := Get(name)
		for _, lit := range floatLiteralRE.FindAllString(stripComments(k.Source), -1) {
			v, err := strconv.ParseFloat(lit, 64)
			if err == nil && math.Abs(v) > math.MaxFloat32 {
				t.Errorf("%s: literal %s is beyond FLT_MAX (write 3.4028234663852886e38)", name, lit)
			}
		}
	}
}

var testLib = fstest.MapFS{
	"leaf.wgsl":  {Data: []byte("fn leaf() -> f32 { return 1.0; }\n")},
	"mid.wgsl":   {Data: []byte("// #import leaf\nfn mid() -> f32 { return leaf(); }")},
	"cycle.wgsl": {Data: []byte("// #import loop\n")},
	"loop.wgsl":  {Data: []byte("// #import cycle\n")},
	"bad.wgsl":   {Data: []byte("// #import absent\n")},
}

// TestResolveImports: an import line becomes the snippet's text, nested
// imports resolve, and each snippet lands once however often it is imported.
func TestResolveImports(t *testing.T) {
	src := "// #import mid\n  // #import leaf  \n// #import mid\n// # import leaf (not an import)\nfn main() {}\n"
	got, err := Resolve("k", src, testLib)
	if err != nil {
		t.Fatal(err)
	}
	want := "fn leaf() -> f32 { return 1.0; }\nfn mid() -> f32 { return leaf(); }\n// # import leaf (not an import)\nfn main() {}\n"
	if got != want {
		t.Errorf("Resolve =\n%s\nwant\n%s", got, want)
	}
	if got, err := Resolve("k", "fn main() {}", testLib); err != nil || got != "fn main() {}" {
		t.Errorf("Resolve without imports = %q, %v", got, err)
	}
}

func TestResolveMissingImport(t *testing.T) {
	_, err := Resolve("k", "// #import mid\n// #import bad\n", testLib)
	if err == nil || !strings.Contains(err.Error(), "absent") || !strings.Contains(err.Error(), "k -> bad") {
		t.Errorf("missing import: err = %v, want one naming absent and the chain k -> bad", err)
	}
}

func TestResolveImportCycle(t *testing.T) {
	_, err := Resolve("k", "// #import cycle\n", testLib)
	if err == nil || !strings.Contains(err.Error(), "cycle -> loop -> cycle") {
		t.Errorf("cyclic import: err = %v, want an import cycle error", err)
	}
}

// TestKernelSourceIsResolved: no import line is left for a compiler to see.
func TestKernelSourceIsResolved(t *testing.T) {
	for _, name := range Names() {
		k, _ := Get(name)
		for _, line := range strings.Split(k.Source, "\n") {
			if importRE.MatchString(line) {
				t.Errorf("%s: unresolved %q", name, line)
			}
		}
	}
}

// TestLibFilesAreSnippets: lib files hold shared helpers only, each imported
// by some kernel; bindings and entry points belong to the kernel files.
func TestLibFilesAreSnippets(t *testing.T) {
	libs, err := fs.Glob(libFS, "*.wgsl")
	if err != nil || len(libs) == 0 {
		t.Fatalf("no lib snippets embedded (%v)", err)
	}
	imported := map[string]bool{}
	for _, p := range mustGlob(t, files, "*.wgsl") {
		collectImports(t, p, imported)
	}
	for _, p := range libs {
		name := strings.TrimSuffix(p, ".wgsl")
		src, _ := fs.ReadFile(libFS, p)
		code := stripComments(string(src))
		if bindingRE.MatchString(code) || strings.Contains(code, "@group") || strings.Contains(code, "@binding") {
			t.Errorf("lib/%s declares a binding; keep bindings in the kernels", p)
		}
		for _, attr := range []string{"@compute", "@vertex", "@fragment", "@workgroup_size", "fn main("} {
			if strings.Contains(code, attr) {
				t.Errorf("lib/%s contains %s; entry points belong to the kernels", p, attr)
			}
		}
		if !imported[name] {
			t.Errorf("lib/%s is imported by no kernel", p)
		}
	}
}

func mustGlob(t *testing.T, fsys fs.FS, pattern string) []string {
	t.Helper()
	paths, err := fs.Glob(fsys, pattern)
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// collectImports marks what the kernel file p imports, directly or through
// other snippets.
func collectImports(t *testing.T, p string, seen map[string]bool) {
	src, err := fs.ReadFile(files, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if m := importRE.FindStringSubmatch(line); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			collectImports(t, "lib/"+m[1]+".wgsl", seen)
		}
	}
}
