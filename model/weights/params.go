package weights

import "reflect"

// Params returns every bound *Param reachable through the exported fields
// of v (structs, pointers, slices), in field order: the tensors a layer
// struct holds under their checkpoint names.
func Params(v any) []*Param {
	var out []*Param
	var walk func(reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Pointer:
			if !x.IsNil() {
				walk(x.Elem())
			}
		case reflect.Slice:
			for i := 0; i < x.Len(); i++ {
				walk(x.Index(i))
			}
		case reflect.Struct:
			if p, ok := x.Addr().Interface().(*Param); ok {
				if p.Name != "" {
					out = append(out, p)
				}
				return
			}
			for i := 0; i < x.NumField(); i++ {
				if x.Type().Field(i).IsExported() {
					walk(x.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
	return out
}
