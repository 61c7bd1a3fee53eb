package oc

import (
	"sync"

	"github.com/openconfig/goyang/pkg/yang"
)

// SchemaTree is the generated schema's entries by the name of the
// struct each describes, unzipped at the first call rather than as the
// package initialises, as ygot generates it: that was some 45 ms of
// every intercloud command, most of which never read it. gen.go rewrites
// the generated code to call it. The entries are shared: read only.
func SchemaTree() map[string]*yang.Entry { return schemaTree() }

var schemaTree = sync.OnceValue(func() map[string]*yang.Entry {
	t, err := UnzipSchema()
	if err != nil {
		panic("schema error: " + err.Error())
	}
	return t
})
