package gnmi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/openconfig/ygot/ygot"
)

// appendIETFJSON appends the JSON that json.Marshal(ygot.ConstructIETFJSON(s,
// &ygot.RFC7951JSONConfig{AppendModuleName: true})) renders for s, byte
// for byte, without building ygot's maps of maps: ygot renders each value
// to a map, then marshals and unmarshals every member again to normalise
// numbers, which for a 100,000-route AFT costs seconds and a gigabyte.
// This walks the generated structs once with a plan per Go type and
// parent module (member names sorted as json.Marshal sorts a map's keys)
// and writes straight to the buffer.
//
// Member names carry their module where it differs from their parent's
// (every member of the top object has one), identities their defining
// module, as RFC 7951 4 and 6.8 say.
//
// It covers the shapes the generated package oc has (containers, keyed
// and unkeyed lists, scalar leaves, enumerations and identities, simple
// unions, leaf-lists, binary); for any other (empty leaves, presence
// containers, which the served trees do not have) it returns errUnplanned
// and render falls back to ygot, so an answer is never wrong, only slower.
func appendIETFJSON(b []byte, s ygot.GoStruct) ([]byte, error) {
	v := reflect.ValueOf(s)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return b, fmt.Errorf("%w: %T is not a pointer to a struct", errUnplanned, s)
	}
	b, _, err := appendStruct(b, v.Elem(), "")
	return b, err
}

// errUnplanned marks a Go shape the encoder does not render.
var errUnplanned = errors.New("no JSON plan")

// member is one field of a generated struct as a JSON object member.
type member struct {
	key   string // `"name":` or `"module:name":`, as ygot writes the field's path tag
	field int
	write func(b []byte, v reflect.Value) ([]byte, bool, error) // false: the member is absent
}

type structPlan struct {
	members []member // in json.Marshal's order of a map's keys
	err     error
}

// planKey is a struct type in its parent's module: the same type names
// its members by module at the top of an answer and not below.
type planKey struct {
	t         reflect.Type
	parentMod string
}

var plans sync.Map // planKey -> *structPlan

func planOf(t reflect.Type, parentMod string) *structPlan {
	pk := planKey{t, parentMod}
	if p, ok := plans.Load(pk); ok {
		return p.(*structPlan)
	}
	p := &structPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("path")
		if !ok {
			continue // ygot's ΛMetadata-like fields carry no path
		}
		if tag == "" || strings.ContainsAny(tag, "/|") {
			// A fake root's forwarded fields or compressed paths: ygot
			// nests or merges these; the generated package has none.
			p.err = fmt.Errorf("%w: %s.%s has path %q", errUnplanned, t.Name(), f.Name, tag)
			break
		}
		if _, ok := f.Tag.Lookup("presence"); ok {
			p.err = fmt.Errorf("%w: %s.%s is a presence container", errUnplanned, t.Name(), f.Name)
			break
		}
		mod := f.Tag.Get("module")
		if mod == "" || strings.Contains(mod, "/") {
			p.err = fmt.Errorf("%w: %s.%s has module %q", errUnplanned, t.Name(), f.Name, mod)
			break
		}
		name := tag
		if mod != parentMod {
			name = mod + ":" + tag
		}
		w, err := writerFor(f.Type, mod)
		if err != nil {
			p.err = fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
			break
		}
		p.members = append(p.members, member{key: string(appendString(nil, name)) + ":", field: i, write: w})
	}
	// json.Marshal sorts a map's keys as strings; the quoted keys sort as
	// the names do, none holding a byte below '"'.
	slices.SortFunc(p.members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	actual, _ := plans.LoadOrStore(pk, p)
	return actual.(*structPlan)
}

// appendStruct writes v as an object; n is how many members it has (ygot
// leaves out a container whose object is empty).
func appendStruct(b []byte, v reflect.Value, parentMod string) (_ []byte, n int, _ error) {
	p := planOf(v.Type(), parentMod)
	if p.err != nil {
		return b, 0, p.err
	}
	b = append(b, '{')
	for _, m := range p.members {
		mark := len(b)
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, m.key...)
		var present bool
		var err error
		b, present, err = m.write(b, v.Field(m.field))
		if err != nil {
			return b, 0, err
		}
		if !present {
			b = b[:mark]
			continue
		}
		n++
	}
	return append(b, '}'), n, nil
}

var goEnum = reflect.TypeFor[ygot.GoEnum]()

// writerFor is how a field of type t, of module mod, is written.
func writerFor(t reflect.Type, mod string) (func([]byte, reflect.Value) ([]byte, bool, error), error) {
	switch t.Kind() {
	case reflect.Interface:
		return writeUnion, nil
	case reflect.Pointer:
		e := t.Elem()
		if e.Kind() == reflect.Struct {
			return func(b []byte, v reflect.Value) ([]byte, bool, error) { return writeContainer(b, v, mod) }, nil
		}
		w, err := scalarWriter(e)
		if err != nil {
			return nil, err
		}
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			if v.IsNil() {
				return b, false, nil
			}
			return w(b, v.Elem())
		}, nil
	case reflect.Map:
		if e := t.Elem(); e.Kind() != reflect.Pointer || e.Elem().Kind() != reflect.Struct {
			return nil, fmt.Errorf("%w: map of %v", errUnplanned, e)
		}
		key, err := keyStringer(t.Key())
		if err != nil {
			return nil, err
		}
		return func(b []byte, v reflect.Value) ([]byte, bool, error) { return writeKeyedList(b, v, key, mod) }, nil
	case reflect.Slice:
		e := t.Elem()
		if e.Kind() == reflect.Pointer && e.Elem().Kind() == reflect.Struct {
			return func(b []byte, v reflect.Value) ([]byte, bool, error) { return writeUnkeyedList(b, v, mod) }, nil
		}
		if e.Kind() == reflect.Interface {
			return writeUnionList, nil
		}
		if e.Kind() == reflect.Uint8 {
			// binary: base64, as RFC 7951 6.6 says.
			return func(b []byte, v reflect.Value) ([]byte, bool, error) {
				if v.IsNil() {
					return b, false, nil
				}
				return appendString(b, base64.StdEncoding.EncodeToString(v.Bytes())), true, nil
			}, nil
		}
		if e.Implements(goEnum) {
			return writeEnumList, nil
		}
		w, err := scalarWriter(e)
		if err != nil {
			return nil, err
		}
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			if v.IsNil() {
				return b, false, nil
			}
			b = append(b, '[')
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					b = append(b, ',')
				}
				b, _, _ = w(b, v.Index(i))
			}
			return append(b, ']'), true, nil
		}, nil
	case reflect.Int64:
		if t.Implements(goEnum) {
			return writeEnum, nil
		}
	}
	return nil, fmt.Errorf("%w: field of type %v", errUnplanned, t)
}

func writeContainer(b []byte, v reflect.Value, mod string) ([]byte, bool, error) {
	if v.IsNil() {
		return b, false, nil
	}
	b, n, err := appendStruct(b, v.Elem(), mod)
	return b, n > 0, err
}

// writeEnum writes an enumeration's YANG name, an identity's with its
// module; UNSET (0) is absent.
func writeEnum(b []byte, v reflect.Value) ([]byte, bool, error) {
	name, set, err := enumName(v, true)
	if err != nil || !set {
		return b, false, err
	}
	return appendString(b, name), true, nil
}

// enumName is v's YANG name; withModule puts an identity's defining
// module before it, as RFC 7951 6.8 writes identityref values.
func enumName(v reflect.Value, withModule bool) (string, bool, error) {
	if v.Int() == 0 {
		return "", false, nil
	}
	def, ok := v.Interface().(ygot.GoEnum).ΛMap()[v.Type().Name()][v.Int()]
	if !ok {
		return "", false, fmt.Errorf("enumeration %s has no value %d", v.Type().Name(), v.Int())
	}
	if withModule && def.DefiningModule != "" {
		return def.DefiningModule + ":" + def.Name, true, nil
	}
	return def.Name, true, nil
}

// writeUnion writes a simple union (an interface holding one of its
// member types): an enumeration or identity by name, a scalar as its type
// is written; nil or UNSET is absent.
func writeUnion(b []byte, v reflect.Value) ([]byte, bool, error) {
	if v.IsNil() {
		return b, false, nil
	}
	c := v.Elem()
	if c.Type().Implements(goEnum) {
		return writeEnum(b, c)
	}
	w, err := scalarWriter(c.Type())
	if err != nil {
		return b, false, err
	}
	return w(b, c)
}

// writeEnumList writes a leaf-list of enumerations or identities.
func writeEnumList(b []byte, v reflect.Value) ([]byte, bool, error) {
	if v.IsNil() {
		return b, false, nil
	}
	b = append(b, '[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		name, set, err := enumName(v.Index(i), true)
		if err != nil || !set {
			return b, false, fmt.Errorf("%w: leaf-list member %d is unset (%v)", errUnplanned, i, err)
		}
		b = appendString(b, name)
	}
	return append(b, ']'), true, nil
}

// writeUnionList writes a leaf-list of simple unions.
func writeUnionList(b []byte, v reflect.Value) ([]byte, bool, error) {
	if v.IsNil() {
		return b, false, nil
	}
	b = append(b, '[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		var present bool
		var err error
		if b, present, err = writeUnion(b, v.Index(i)); err != nil {
			return b, false, err
		}
		if !present {
			return b, false, fmt.Errorf("%w: leaf-list member %d is unset", errUnplanned, i)
		}
	}
	return append(b, ']'), true, nil
}

// scalarWriter writes a leaf of kind t as RFC 7951 does, and as ygot's
// normalisation leaves it: 64-bit numbers and decimals as strings, the
// others as JSON numbers.
func scalarWriter(t reflect.Type) (func([]byte, reflect.Value) ([]byte, bool, error), error) {
	switch t.Kind() {
	case reflect.String:
		return func(b []byte, v reflect.Value) ([]byte, bool, error) { return appendString(b, v.String()), true, nil }, nil
	case reflect.Bool:
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			return strconv.AppendBool(b, v.Bool()), true, nil
		}, nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			return strconv.AppendUint(b, v.Uint(), 10), true, nil
		}, nil
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			return strconv.AppendInt(b, v.Int(), 10), true, nil
		}, nil
	case reflect.Uint64:
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			b = append(b, '"')
			return append(strconv.AppendUint(b, v.Uint(), 10), '"'), true, nil
		}, nil
	case reflect.Int64:
		if t.Implements(goEnum) {
			break
		}
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			b = append(b, '"')
			return append(strconv.AppendInt(b, v.Int(), 10), '"'), true, nil
		}, nil
	case reflect.Float64:
		// ygot writes a decimal64 with fmt's %v.
		return func(b []byte, v reflect.Value) ([]byte, bool, error) {
			return appendString(b, fmt.Sprintf("%v", v.Interface())), true, nil
		}, nil
	}
	return nil, fmt.Errorf("%w: leaf of type %v", errUnplanned, t)
}

// keyStringer is the string ygot sorts a list's entries by: the key as
// fmt's %v prints it, an enumeration's YANG name.
func keyStringer(t reflect.Type) (func(reflect.Value) (string, error), error) {
	switch {
	case t.Implements(goEnum):
		return func(v reflect.Value) (string, error) {
			n, set, err := enumName(v, false)
			if err == nil && !set {
				err = fmt.Errorf("list key %s is unset", v.Type().Name())
			}
			return n, err
		}, nil
	case t.Kind() == reflect.String:
		return func(v reflect.Value) (string, error) { return v.String(), nil }, nil
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return func(v reflect.Value) (string, error) { return strconv.FormatInt(v.Int(), 10), nil }, nil
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return func(v reflect.Value) (string, error) { return strconv.FormatUint(v.Uint(), 10), nil }, nil
	case t.Kind() == reflect.Struct:
		return func(v reflect.Value) (string, error) { return fmt.Sprintf("%v", v.Interface()), nil }, nil
	case t.Kind() == reflect.Interface:
		// A union key: ygot prints its value with %v, an enumeration's
		// name without module.
		return func(v reflect.Value) (string, error) {
			if v.IsNil() {
				return "", fmt.Errorf("%w: nil union key", errUnplanned)
			}
			if c := v.Elem(); c.Type().Implements(goEnum) {
				n, set, err := enumName(c, false)
				if err == nil && !set {
					err = fmt.Errorf("list key %s is unset", c.Type().Name())
				}
				return n, err
			}
			return fmt.Sprintf("%v", v.Elem().Interface()), nil
		}, nil
	}
	return nil, fmt.Errorf("%w: list key of type %v", errUnplanned, t)
}

// writeKeyedList writes a YANG list (a Go map) as an array of its
// entries in the order of their keys as strings, as ygot does.
func writeKeyedList(b []byte, v reflect.Value, key func(reflect.Value) (string, error), mod string) ([]byte, bool, error) {
	if v.IsNil() {
		return b, false, nil
	}
	type entry struct {
		k string
		v reflect.Value
	}
	es := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k, err := key(it.Key())
		if err != nil {
			return b, false, err
		}
		es = append(es, entry{k, it.Value()})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].k < es[j].k })
	b = append(b, '[')
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		if e.v.IsNil() {
			return b, false, fmt.Errorf("%w: list entry %s is nil", errUnplanned, e.k)
		}
		var err error
		if b, _, err = appendStruct(b, e.v.Elem(), mod); err != nil {
			return b, false, err
		}
	}
	return append(b, ']'), true, nil
}

func writeUnkeyedList(b []byte, v reflect.Value, mod string) ([]byte, bool, error) {
	if v.IsNil() {
		return b, false, nil
	}
	b = append(b, '[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		e := v.Index(i)
		if e.IsNil() {
			return b, false, fmt.Errorf("%w: unkeyed list entry %d is nil", errUnplanned, i)
		}
		var err error
		if b, _, err = appendStruct(b, e.Elem(), mod); err != nil {
			return b, false, err
		}
	}
	return append(b, ']'), true, nil
}

// appendString writes s as encoding/json writes the string ygot's
// normalisation leaves (HTML characters escaped, invalid UTF-8 replaced):
// a plain string at once, any other through encoding/json as ygot does.
func appendString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	js, _ := json.Marshal(s) // a string always marshals
	var norm string
	_ = json.Unmarshal(js, &norm)
	js, _ = json.Marshal(norm)
	return append(b, js...)
}
