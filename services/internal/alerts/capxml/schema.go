package capxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node describes one element of the CAP 1.2 schema: its children in the
// schema's sequence with their occurrence bounds, or none for a leaf
// holding text.
type node struct {
	name     string
	min, max int // max 0 is unbounded
	children []*node
}

func leaf(name string, min, max int) *node { return &node{name: name, min: min, max: max} }

func valuePair(name string, min, max int) *node {
	return &node{name: name, min: min, max: max, children: []*node{leaf("valueName", 1, 1), leaf("value", 1, 1)}}
}

// schema is the CAP-v1.2.xsd element tree, in its sequence order.
var schema = &node{name: "alert", min: 1, max: 1, children: []*node{
	leaf("identifier", 1, 1),
	leaf("sender", 1, 1),
	leaf("sent", 1, 1),
	leaf("status", 1, 1),
	leaf("msgType", 1, 1),
	leaf("source", 0, 1),
	leaf("scope", 1, 1),
	leaf("restriction", 0, 1),
	leaf("addresses", 0, 1),
	leaf("code", 0, 0),
	leaf("note", 0, 1),
	leaf("references", 0, 1),
	leaf("incidents", 0, 1),
	{name: "info", min: 0, max: 0, children: []*node{
		leaf("language", 0, 1),
		leaf("category", 1, 0),
		leaf("event", 1, 1),
		leaf("responseType", 0, 0),
		leaf("urgency", 1, 1),
		leaf("severity", 1, 1),
		leaf("certainty", 1, 1),
		leaf("audience", 0, 1),
		valuePair("eventCode", 0, 0),
		leaf("effective", 0, 1),
		leaf("onset", 0, 1),
		leaf("expires", 0, 1),
		leaf("senderName", 0, 1),
		leaf("headline", 0, 1),
		leaf("description", 0, 1),
		leaf("instruction", 0, 1),
		leaf("web", 0, 1),
		leaf("contact", 0, 1),
		valuePair("parameter", 0, 0),
		{name: "resource", min: 0, max: 0, children: []*node{
			leaf("resourceDesc", 1, 1),
			leaf("mimeType", 1, 1),
			leaf("size", 0, 1),
			leaf("uri", 0, 1),
			leaf("derefUri", 0, 1),
			leaf("digest", 0, 1),
		}},
		{name: "area", min: 0, max: 0, children: []*node{
			leaf("areaDesc", 1, 1),
			leaf("polygon", 0, 0),
			leaf("circle", 0, 0),
			valuePair("geocode", 0, 0),
			leaf("altitude", 0, 1),
			leaf("ceiling", 0, 1),
		}},
	}},
}}

// frame is an open element during validation.
type frame struct {
	n    *node
	path string
	// at is the index in n.children of the last child seen, and count
	// how many times it occurred in a row; seen counts each child name.
	at    int
	count int
	seen  map[string]int
	// signature is true once an XML Signature element was seen: only
	// more of them may follow.
	signature bool
}

// checkStructure reads doc token by token and refuses anything CAP-v1.2.xsd
// does not allow: a DOCTYPE or other directive, a root other than the CAP
// 1.2 alert, elements out of the schema's order, missing, repeated beyond
// their bounds or from another namespace (except XML Signatures, which
// the schema admits at the end of the alert and which are skipped), text
// where only elements belong, and documents deeper or larger than
// MaxElements. It checks structure only; values are checked by Decode.
func checkStructure(doc []byte) error {
	d := newDecoder(doc)
	var stack []*frame
	elements := 0
	rootSeen := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("document: not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("document: a DOCTYPE or other declaration is not allowed")
		case xml.StartElement:
			elements++
			if elements > MaxElements {
				return fmt.Errorf("document: more than %d elements", MaxElements)
			}
			if len(stack) == 0 {
				if rootSeen {
					return errors.New("document: more than one root element")
				}
				rootSeen = true
				if t.Name.Space != Namespace || t.Name.Local != "alert" {
					return fmt.Errorf("document: the root element is {%s}%s, not a CAP 1.2 alert {%s}alert", t.Name.Space, t.Name.Local, Namespace)
				}
				stack = append(stack, &frame{n: schema, path: "", at: -1, seen: map[string]int{}})
				continue
			}
			top := stack[len(stack)-1]
			if top.n == schema && t.Name.Space == xmldsigNamespace && t.Name.Local == "Signature" {
				top.signature = true
				if err := d.Skip(); err != nil {
					return fmt.Errorf("document: not well-formed XML: %v", err)
				}
				continue
			}
			child, err := top.enter(t.Name)
			if err != nil {
				return err
			}
			stack = append(stack, child)
		case xml.EndElement:
			top := stack[len(stack)-1]
			if err := top.close(); err != nil {
				return err
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if len(top.n.children) > 0 && len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%s: has text where only elements belong", top.label())
			}
		}
	}
	if !rootSeen {
		return errors.New("document: no root element")
	}
	return nil
}

// label is the frame's path for error messages; the root is "alert".
func (f *frame) label() string {
	if f.path == "" {
		return "alert"
	}
	return f.path
}

// enter admits a child element of f in the schema's order, and returns its
// frame.
func (f *frame) enter(name xml.Name) (*frame, error) {
	where := f.childPath(name.Local, f.seen[name.Local])
	if len(f.n.children) == 0 {
		return nil, fmt.Errorf("%s: unexpected element inside a text value", where)
	}
	if name.Space != Namespace {
		return nil, fmt.Errorf("%s: element from namespace %q; CAP 1.2 elements are in %s", where, name.Space, Namespace)
	}
	if f.signature {
		return nil, fmt.Errorf("%s: unexpected after the signature", where)
	}
	i := f.at
	if i < 0 || f.n.children[i].name != name.Local {
		// Move forward in the sequence; everything skipped must be
		// optional or already present.
		j := i + 1
		for j < len(f.n.children) && f.n.children[j].name != name.Local {
			j++
		}
		if j == len(f.n.children) {
			if f.indexOf(name.Local) >= 0 {
				return nil, fmt.Errorf("%s: out of order (CAP 1.2 fixes the order of elements)", where)
			}
			return nil, fmt.Errorf("%s: not a CAP 1.2 element here", where)
		}
		if err := f.missingBefore(j); err != nil {
			return nil, err
		}
		f.at, f.count = j, 0
	}
	c := f.n.children[f.at]
	f.count++
	if c.max > 0 && f.count > c.max {
		return nil, fmt.Errorf("%s: may appear at most %d time(s)", where, c.max)
	}
	idx := f.seen[name.Local]
	f.seen[name.Local]++
	return &frame{n: c, path: f.childPath(name.Local, idx), at: -1, seen: map[string]int{}}, nil
}

// childPath names the idx-th child called local: repeatable elements get
// their index, e.g. "info[1]/area[0]/polygon[2]".
func (f *frame) childPath(local string, idx int) string {
	seg := local
	if i := f.indexOf(local); i >= 0 && f.n.children[i].max != 1 {
		seg = fmt.Sprintf("%s[%d]", local, idx)
	}
	if f.path == "" {
		return seg
	}
	return f.path + "/" + seg
}

func (f *frame) indexOf(local string) int {
	for i, c := range f.n.children {
		if c.name == local {
			return i
		}
	}
	return -1
}

// missingBefore reports a required child in f.n.children[f.at+1:j] that
// never occurred (the one at f.at is present).
func (f *frame) missingBefore(j int) error {
	for k := f.at + 1; k < j; k++ {
		if c := f.n.children[k]; c.min > 0 {
			return fmt.Errorf("%s: is missing (required before %s)", f.childPath(c.name, 0), f.n.children[j].name)
		}
	}
	return nil
}

// close checks, at f's end tag, that no required child is missing.
func (f *frame) close() error {
	if len(f.n.children) == 0 {
		return nil
	}
	for k := f.at + 1; k < len(f.n.children); k++ {
		if c := f.n.children[k]; c.min > 0 {
			return fmt.Errorf("%s: is missing", strings.TrimPrefix(f.childPath(c.name, 0), "/"))
		}
	}
	return nil
}
