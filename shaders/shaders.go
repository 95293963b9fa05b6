// Package shaders holds every WGSL compute kernel of the project, embedded
// into the binary, and describes each one from its own source text.
//
// A kernel is one file, `<op>_<pass>[_<variant>].wgsl`, with one entry point
// named `main`. Its bindings all live in @group(0): outputs first, then
// inputs (storage buffers, or `texture_2d<f32>` operands that the Go op
// fills by copying a buffer in), then one uniform `p` of parameters last,
// in exactly the argument order of its pure-Go twin in model/cpu. The binding list is parsed from the
// source, so the WGSL file is the single description of a kernel; nothing in
// Go repeats it.
//
// WGSL has no #include, so helper code shared by several kernels lives in
// lib/<name>.wgsl (no entry point, no bindings) and a kernel line that reads
// exactly `// #import name` is replaced by that file's text when the kernel
// is loaded; see Resolve. Kernel.Source is the resolved text.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed *.wgsl lib/*.wgsl
var files embed.FS

// libFS holds the importable snippets, named without the lib/ prefix.
var libFS, _ = fs.Sub(files, "lib")

// Access is how a kernel binds one buffer.
type Access uint8

const (
	Read      Access = iota // var<storage, read>
	ReadWrite               // var<storage, read_write>
	Uniform                 // var<uniform>, always the last binding
	Texture                 // var name: texture_2d<f32>, read with textureLoad
)

func (a Access) String() string {
	return [...]string{"read", "read_write", "uniform", "texture"}[a]
}

// Binding is one `@group(0) @binding(i) var<...> name: type;` line.
type Binding struct {
	Name   string
	Access Access
}

// Kernel describes one WGSL file.
type Kernel struct {
	Name      string // file name without .wgsl
	Source    string // WGSL text with imports resolved, exactly as compiled
	Bindings  []Binding
	Workgroup [3]uint32
	// WorkgroupBytes is the workgroup memory the kernel declares, checked
	// against the device limit before the pipeline is built.
	WorkgroupBytes int
}

var (
	bindingRE   = regexp.MustCompile(`@group\((\d+)\)\s*@binding\((\d+)\)\s*var(<[^>]*>)?\s+(\w+)\s*:\s*([\w<>]+)`)
	workgroupRE = regexp.MustCompile(`@workgroup_size\(([^)]*)\)`)
	constRE     = regexp.MustCompile(`const\s+(\w+)\s*(?::\s*\w+)?\s*=\s*(\d+)u?\s*;`)
	sharedRE    = regexp.MustCompile(`var<workgroup>\s+\w+\s*:\s*array<\s*(\w+(?:<\s*\w+\s*>)?)\s*,\s*(\w+)\s*>`)
)

var (
	loadOnce sync.Once
	kernels  map[string]*Kernel
	loadErr  error
)

// Get returns the kernel called name, or an error if no such file exists or
// its source does not follow the conventions above.
func Get(name string) (*Kernel, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	k, ok := kernels[name]
	if !ok {
		return nil, fmt.Errorf("shaders: no kernel %q", name)
	}
	return k, nil
}

// Names lists every kernel, sorted.
func Names() []string {
	loadOnce.Do(load)
	names := make([]string, 0, len(kernels))
	for n := range kernels {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func load() {
	kernels = map[string]*Kernel{}
	paths, _ := fs.Glob(files, "*.wgsl")
	for _, p := range paths {
		src, _ := files.ReadFile(p)
		name := strings.TrimSuffix(p, ".wgsl")
		resolved, err := Resolve(name, string(src), libFS)
		if err != nil {
			loadErr = err
			return
		}
		k, err := Parse(name, resolved)
		if err != nil {
			loadErr = err
			return
		}
		kernels[name] = k
	}
}

// Parse reads a kernel's bindings, workgroup size and workgroup memory from
// its source.
func Parse(name, src string) (*Kernel, error) {
	k := &Kernel{Name: name, Source: src}
	consts := map[string]int{}
	for _, m := range constRE.FindAllStringSubmatch(stripComments(src), -1) {
		v, _ := strconv.Atoi(m[2])
		consts[m[1]] = v
	}
	for i, m := range bindingRE.FindAllStringSubmatch(stripComments(src), -1) {
		if m[1] != "0" || m[2] != strconv.Itoa(i) {
			return nil, fmt.Errorf("shaders: %s: binding %s of group %s out of order (want group 0, binding %d)", name, m[2], m[1], i)
		}
		var a Access
		switch strings.ReplaceAll(m[3], " ", "") {
		case "<storage,read>", "<storage>":
			a = Read
		case "<storage,read_write>":
			a = ReadWrite
		case "<uniform>":
			a = Uniform
		case "":
			if m[5] != "texture_2d<f32>" {
				return nil, fmt.Errorf("shaders: %s: binding %s has unsupported type %q", name, m[4], m[5])
			}
			a = Texture
		default:
			return nil, fmt.Errorf("shaders: %s: binding %s has unsupported address space %q", name, m[4], m[3])
		}
		k.Bindings = append(k.Bindings, Binding{m[4], a})
	}
	n := len(k.Bindings)
	if n == 0 || k.Bindings[n-1].Access != Uniform || k.Bindings[n-1].Name != "p" {
		return nil, fmt.Errorf("shaders: %s: the last binding must be `var<uniform> p`", name)
	}
	for _, b := range k.Bindings[:n-1] {
		if b.Access == Uniform {
			return nil, fmt.Errorf("shaders: %s: only the last binding may be uniform", name)
		}
	}
	wg := workgroupRE.FindStringSubmatch(src)
	if wg == nil {
		return nil, fmt.Errorf("shaders: %s: no @workgroup_size", name)
	}
	k.Workgroup = [3]uint32{1, 1, 1}
	for i, f := range strings.Split(wg[1], ",") {
		v, err := constValue(strings.TrimSpace(f), consts)
		if err != nil || i > 2 {
			return nil, fmt.Errorf("shaders: %s: bad @workgroup_size(%s)", name, wg[1])
		}
		k.Workgroup[i] = uint32(v)
	}
	for _, m := range sharedRE.FindAllStringSubmatch(stripComments(src), -1) {
		count, err := constValue(m[2], consts)
		if err != nil {
			return nil, fmt.Errorf("shaders: %s: workgroup array length %q: %v", name, m[2], err)
		}
		k.WorkgroupBytes += count * elemBytes(m[1])
	}
	return k, nil
}

func constValue(s string, consts map[string]int) (int, error) {
	if v, ok := consts[s]; ok {
		return v, nil
	}
	return strconv.Atoi(strings.TrimSuffix(s, "u"))
}

func elemBytes(t string) int {
	t = strings.ReplaceAll(t, " ", "")
	switch {
	case strings.HasPrefix(t, "vec4"):
		return 16
	case strings.HasPrefix(t, "vec2"):
		return 8
	default:
		return 4
	}
}

func stripComments(src string) string {
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
