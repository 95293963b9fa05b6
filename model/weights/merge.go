package weights

import (
	"fmt"
	"sort"
	"strings"
)

// merged is several stores read as one.
type merged struct {
	names []string
	of    map[string]Store
}

// Merge reads stores as one; a name in two of them is an error.
func Merge(stores ...Store) (Store, error) {
	m := &merged{of: map[string]Store{}}
	for _, s := range stores {
		for _, n := range s.Names() {
			if _, dup := m.of[n]; dup {
				return nil, fmt.Errorf("weights: tensor %s is in two of the merged files", n)
			}
			m.of[n] = s
			m.names = append(m.names, n)
		}
	}
	sort.Strings(m.names)
	return m, nil
}

func (m *merged) Names() []string { return m.names }

func (m *merged) Info(name string) (TensorInfo, bool) {
	if s, ok := m.of[name]; ok {
		return s.Info(name)
	}
	return TensorInfo{}, false
}

func (m *merged) ReadF32(name string) ([]float32, error) {
	if s, ok := m.of[name]; ok {
		return s.ReadF32(name)
	}
	return nil, fmt.Errorf("weights: no tensor %s", name)
}

// only is the part of a store that keep says yes to.
type only struct {
	Store
	names []string
}

// Only is the part of src whose names keep accepts.
func Only(src Store, keep func(name string) bool) Store {
	o := &only{Store: src}
	for _, n := range src.Names() {
		if keep(n) {
			o.names = append(o.names, n)
		}
	}
	return o
}

func (o *only) Names() []string { return o.names }

func (o *only) Info(name string) (TensorInfo, bool) {
	for _, n := range o.names {
		if n == name {
			return o.Store.Info(name)
		}
	}
	return TensorInfo{}, false
}

// Prefixed accepts the names under prefix ("cls" takes "cls.…").
func Prefixed(prefix string) func(string) bool {
	return func(n string) bool { return n == prefix || strings.HasPrefix(n, prefix+".") }
}
