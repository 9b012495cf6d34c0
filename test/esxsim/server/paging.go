package main

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// RetrievePropertiesEx paging: vcsim returns every object at once and never a
// token. ESX/vCenter return at most maxObjects (and a server batch size of 100
// when the client sets none) plus a token for ContinueRetrievePropertiesEx.
const defaultPage = 100

type pageStash struct {
	objects []*xnode
	page    int
}

func newToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func (s *Sim) pageSize(m *simulator.Method) int {
	if m == nil {
		return defaultPage
	}
	if r, ok := m.Body.(*types.RetrievePropertiesEx); ok && r.Options.MaxObjects > 0 {
		return int(r.Options.MaxObjects)
	}
	return defaultPage
}

// pageResponse cuts a (rewritten) RetrievePropertiesEx response to one page.
func (s *Sim) pageResponse(out []byte, page int) []byte {
	doc, header, err := parseXML(out)
	if err != nil {
		return out
	}
	ret := findPath(doc, "Envelope", "Body", "RetrievePropertiesExResponse", "returnval")
	if ret == nil {
		return out
	}
	var objs, rest []*xnode
	for _, c := range ret.children {
		if !c.isText && c.local() == "objects" {
			objs = append(objs, c)
		} else {
			rest = append(rest, c)
		}
	}
	if len(objs) <= page {
		return out
	}
	tok := newToken()
	s.pages[tok] = &pageStash{objects: objs[page:], page: page}
	ret.children = append(objs[:page:page], rest...)
	ret.children = append(ret.children, &xnode{name: "token", children: []*xnode{{isText: true, text: tok}}})
	return serialize(doc, header)
}

func (s *Sim) continueRetrieve(name string, m *simulator.Method) *reply {
	switch r := m.Body.(type) {
	case *types.ContinueRetrievePropertiesEx:
		st, ok := s.pages[r.Token]
		if !ok {
			return faultReply("InvalidArgument", "A specified parameter was not correct: token", "<invalidProperty>token</invalidProperty>")
		}
		delete(s.pages, r.Token)
		n := st.page
		if n > len(st.objects) {
			n = len(st.objects)
		}
		var b bytes.Buffer
		b.WriteString("<returnval>")
		for _, o := range st.objects[:n] {
			writeXML(&b, o)
		}
		if n < len(st.objects) {
			tok := newToken()
			s.pages[tok] = &pageStash{objects: st.objects[n:], page: st.page}
			b.WriteString("<token>" + tok + "</token>")
		}
		b.WriteString("</returnval>")
		return okReply(name, b.String())
	case *types.CancelRetrievePropertiesEx:
		delete(s.pages, r.Token)
		return okReply(name, "")
	}
	return nil
}

func findPath(n *xnode, path ...string) *xnode {
	cur := n
	for _, p := range path {
		var next *xnode
		for _, c := range cur.children {
			if !c.isText && c.local() == p {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

func serialize(doc *xnode, header string) []byte {
	var b bytes.Buffer
	if header != "" {
		b.WriteString(header)
		b.WriteByte('\n')
	}
	for _, c := range doc.children {
		writeXML(&b, c)
	}
	return b.Bytes()
}
