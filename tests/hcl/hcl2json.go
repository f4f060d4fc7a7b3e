// hcl2json: HashiCorp's own HCL parser (github.com/hashicorp/hcl/v2, Debian's
// golang-github-hashicorp-hcl-v2-dev) turning each file into the document model of
// engine/hcl/hcl.h, for the differential test (differential.py): blocks nest by type and
// labels, a block repeated in the same place becomes an array of bodies, attributes are
// their values as JSON. A file HCL refuses (or whose values need a context: variables,
// functions) gives {"error": "LINE:COL: summary"}.
//
// Usage: hcl2json FILE... (one JSON object per line: {"file", "document"} or {"file", "error"})
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

func body(b *hclsyntax.Body) (map[string]interface{}, hcl.Diagnostics) {
	out := map[string]interface{}{}
	var diags hcl.Diagnostics
	for name, attr := range b.Attributes {
		v, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		raw, err := ctyjson.SimpleJSONValue{Value: v}.MarshalJSON()
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error(),
				Subject: attr.SrcRange.Ptr()})
			continue
		}
		// UseNumber keeps numbers as HCL wrote them (a float64 would round big ones).
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var x interface{}
		if err := dec.Decode(&x); err != nil {
			panic(err)
		}
		out[name] = x
	}
	for _, blk := range b.Blocks {
		inner, d := body(blk.Body)
		diags = append(diags, d...)
		keys := append([]string{blk.Type}, blk.Labels...)
		container := out
		for _, k := range keys[:len(keys)-1] {
			next, ok := container[k].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				container[k] = next
			}
			container = next
		}
		last := keys[len(keys)-1]
		switch existing := container[last].(type) {
		case nil:
			container[last] = inner
		case map[string]interface{}:
			container[last] = []interface{}{existing, inner}
		case []interface{}:
			container[last] = append(existing, inner)
		}
	}
	return out, diags
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, name := range os.Args[1:] {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		result := map[string]interface{}{"file": name}
		file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if !diags.HasErrors() {
			var doc map[string]interface{}
			doc, diags = body(file.Body.(*hclsyntax.Body))
			result["document"] = doc
		}
		if diags.HasErrors() {
			delete(result, "document")
			d := diags.Errs()[0].(*hcl.Diagnostic)
			at := ""
			if d.Subject != nil {
				at = fmt.Sprintf("%d:%d: ", d.Subject.Start.Line, d.Subject.Start.Column)
			}
			result["error"] = at + d.Summary
		}
		if err := enc.Encode(result); err != nil {
			panic(err)
		}
	}
}
