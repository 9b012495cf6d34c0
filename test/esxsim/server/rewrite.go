// XML response rewriter: makes vcsim's SOAP output look like ESX's as far as
// libvirt's esx driver (which insists on xsi:type attributes) is concerned.
package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
)

type xnode struct {
	name     string // prefix:local as written
	attrs    []xml.Attr
	children []*xnode
	text     string // for text nodes (name == "")
	isText   bool
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func (n *xnode) local() string {
	if i := strings.IndexByte(n.name, ':'); i >= 0 {
		return n.name[i+1:]
	}
	return n.name
}

func (n *xnode) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if qname(a.Name) == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n *xnode) setAttr(name, val string) {
	for i, a := range n.attrs {
		if qname(a.Name) == name {
			n.attrs[i].Value = val
			return
		}
	}
	sp, loc := "", name
	if i := strings.IndexByte(name, ':'); i >= 0 {
		sp, loc = name[:i], name[i+1:]
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Space: sp, Local: loc}, Value: val})
}

func (n *xnode) child(local string) *xnode {
	for _, c := range n.children {
		if !c.isText && c.local() == local {
			return c
		}
	}
	return nil
}

func (n *xnode) innerText() string {
	var b strings.Builder
	for _, c := range n.children {
		if c.isText {
			b.WriteString(c.text)
		}
	}
	return b.String()
}

func parseXML(data []byte) (*xnode, string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	root := &xnode{}
	stack := []*xnode{root}
	var header string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.ProcInst:
			header = "<?" + t.Target + " " + string(t.Inst) + "?>"
		case xml.StartElement:
			n := &xnode{name: qname(t.Name)}
			n.attrs = append(n.attrs, t.Attr...)
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 1 {
				top.children = append(top.children, &xnode{isText: true, text: string(t)})
			}
		}
	}
	return root, header, nil
}

func writeXML(b *bytes.Buffer, n *xnode) {
	if n.isText {
		_ = xml.EscapeText(b, []byte(n.text))
		return
	}
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(qname(a.Name))
		b.WriteString(`="`)
		_ = xml.EscapeText(b, []byte(a.Value))
		b.WriteByte('"')
	}
	if len(n.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	for _, c := range n.children {
		writeXML(b, c)
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

var xsdTypes = map[string]string{
	"String": "xsd:string", "Int": "xsd:int", "Long": "xsd:long", "Short": "xsd:short",
	"Byte": "xsd:byte", "Boolean": "xsd:boolean", "Double": "xsd:double", "Float": "xsd:float",
	"DateTime": "xsd:dateTime", "Base64Binary": "xsd:base64Binary", "AnyURI": "xsd:anyURI",
}

var reInt = regexp.MustCompile(`^-?[0-9]+$`)

func guessType(s string) string {
	switch {
	case reInt.MatchString(s) && len(s) < 19:
		return "xsd:long"
	case s == "true" || s == "false":
		return "xsd:boolean"
	}
	return "xsd:string"
}

// fixNode rewrites n in place. ctxName is the name of the property being
// serialized (DynamicProperty name) if known, used for OptionValue typing.
func fixNode(n *xnode, parent *xnode, propName string, inExtra bool) {
	// 1. namespace-qualified type attributes -> xsi:type
	attrs := n.attrs[:0]
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" && a.Name.Local == "XMLSchema-instance" {
			continue
		}
		if a.Name.Space == "XMLSchema-instance" && a.Name.Local == "type" {
			a.Name.Space = "xsi"
		}
		attrs = append(attrs, a)
	}
	n.attrs = attrs

	// 2. array items get the item type
	if parent != nil {
		if pt, ok := parent.attr("xsi:type"); ok && strings.HasPrefix(pt, "ArrayOf") {
			if _, has := n.attr("xsi:type"); !has {
				it := strings.TrimPrefix(pt, "ArrayOf")
				if x, ok := xsdTypes[it]; ok {
					it = x
				}
				if it != "AnyType" {
					n.setAttr("xsi:type", it)
				}
			}
		}
	}
	local := n.local()
	if local == "extraConfig" {
		inExtra = true
		if _, has := n.attr("xsi:type"); !has && n.child("key") != nil {
			n.setAttr("xsi:type", "OptionValue")
		}
	}
	// 3. OptionValue.value typing
	if local == "value" && parent != nil {
		if pt, _ := parent.attr("xsi:type"); pt == "OptionValue" || parent.local() == "extraConfig" {
			if _, has := n.attr("xsi:type"); !has {
				if inExtra || strings.HasSuffix(propName, "extraConfig") {
					n.setAttr("xsi:type", "xsd:string")
				} else {
					n.setAttr("xsi:type", guessType(n.innerText()))
				}
			}
		}
	}
	// 3b. ESX always sends these numeric fields, vcsim omits zeros
	if t, ok := n.attr("xsi:type"); ok {
		if fields, ok := zeroFill[t]; ok {
			fillZeros(n, fields)
		}
	} else if local == "quickStats" && parent != nil {
		switch pt, _ := parent.attr("xsi:type"); pt {
		case "VirtualMachineSummary":
			fillZeros(n, vmQuickStats)
		case "HostListSummary":
			fillZeros(n, hostQuickStats)
		}
	}
	// 4. task error localized messages
	if local == "localizedMessage" {
		t := n.innerText()
		if strings.HasPrefix(t, "*types.") {
			msg := esxMessage(strings.TrimPrefix(t, "*types."), parent)
			n.children = []*xnode{{isText: true, text: msg}}
		}
	}
	if local == "propSet" {
		if c := n.child("name"); c != nil {
			propName = c.innerText()
		}
	}
	// 5. drop changeSet op=assign without val; recurse
	kids := n.children[:0]
	for _, c := range n.children {
		if !c.isText && c.local() == "changeSet" {
			if op := c.child("op"); op != nil && op.innerText() == "assign" && c.child("val") == nil {
				continue
			}
		}
		if !c.isText {
			fixNode(c, n, propName, inExtra)
		}
		kids = append(kids, c)
	}
	n.children = kids
}

// esxMessage returns an ESX-like localized message for a fault type.
func esxMessage(kind string, errNode *xnode) string {
	file := ""
	if errNode != nil {
		if f := errNode.child("fault"); f != nil {
			if c := f.child("file"); c != nil {
				file = c.innerText()
			}
		}
	}
	switch kind {
	case "NotFound":
		return "The object or item referred to could not be found."
	case "FileNotFound":
		return "File " + file + " was not found"
	case "FileAlreadyExists":
		return "Cannot complete the operation because the file or folder " + file + " already exists"
	case "InvalidPowerState":
		return "The attempted operation cannot be performed in the current state (" + powerStateText(errNode) + ")."
	case "InvalidState":
		return "The operation is not allowed in the current state."
	case "InvalidArgument":
		return "A specified parameter was not correct: " + invalidProp(errNode)
	case "AlreadyExists":
		return "The specified key, name, or identifier already exists."
	case "DuplicateName":
		return "The name already exists."
	case "InvalidDatastorePath":
		return "Invalid datastore path."
	case "InvalidDeviceSpec":
		return "Invalid configuration for device '0'."
	case "NotSupported":
		return "The operation is not supported on the object."
	case "SystemError":
		return "A general system error occurred: simulated fault"
	case "CannotCreateFile":
		return "Cannot create file " + file
	case "InvalidVmConfig":
		return "Invalid virtual machine configuration."
	case "ResourceInUse":
		return "The resource is in use."
	case "TaskInProgress":
		return "The operation is not allowed in the current state."
	}
	return "A general system error occurred: " + kind
}

func powerStateText(errNode *xnode) string {
	if errNode != nil {
		if f := errNode.child("fault"); f != nil {
			if c := f.child("existingState"); c != nil {
				switch c.innerText() {
				case "poweredOn":
					return "Powered on"
				case "suspended":
					return "Suspended"
				}
			}
		}
	}
	return "Powered off"
}

func invalidProp(errNode *xnode) string {
	if errNode != nil {
		if f := errNode.child("fault"); f != nil {
			if c := f.child("invalidProperty"); c != nil {
				return c.innerText()
			}
		}
	}
	return ""
}

// rewriteResponse applies all response fixes; root is the sandbox prefix.
func rewriteResponse(data []byte, root string) []byte {
	data = bytes.ReplaceAll(data, []byte(root+"/vmfs/volumes"), []byte("/vmfs/volumes"))
	doc, header, err := parseXML(data)
	if err != nil {
		return data
	}
	for _, c := range doc.children {
		if !c.isText {
			fixNode(c, nil, "", false)
		}
	}
	var b bytes.Buffer
	b.Grow(len(data) + len(data)/8)
	if header != "" {
		b.WriteString(header)
		b.WriteByte('\n')
	}
	for _, c := range doc.children {
		writeXML(&b, c)
	}
	return b.Bytes()
}

// field order as in the WSDL; "" default means the field is not filled
var vmQuickStats = []string{"overallCpuUsage", "overallCpuDemand", "guestMemoryUsage", "hostMemoryUsage",
	"guestHeartbeatStatus", "distributedCpuEntitlement", "distributedMemoryEntitlement", "staticCpuEntitlement",
	"staticMemoryEntitlement", "privateMemory", "sharedMemory", "swappedMemory", "balloonedMemory",
	"consumedOverheadMemory", "ftLogBandwidth", "ftSecondaryLatency", "ftLatencyStatus", "compressedMemory",
	"uptimeSeconds", "ssdSwappedMemory"}
var hostQuickStats = []string{"overallCpuUsage", "overallMemoryUsage", "distributedCpuFairness", "distributedMemoryFairness", "uptime"}

var zeroDefaults = map[string]string{"guestHeartbeatStatus": "gray", "ftLatencyStatus": "gray",
	"ftLogBandwidth": "-1", "ftSecondaryLatency": "-1"}

var zeroFill = map[string][]string{
	"VirtualMachineQuickStats":  vmQuickStats,
	"HostListSummaryQuickStats": hostQuickStats,
}

func fillZeros(n *xnode, fields []string) {
	have := map[string]bool{}
	for _, c := range n.children {
		if !c.isText {
			have[c.local()] = true
		}
	}
	var out []*xnode
	idx := 0
	pos := map[string]int{}
	for i, f := range fields {
		pos[f] = i
	}
	for _, c := range n.children {
		if !c.isText {
			if p, ok := pos[c.local()]; ok {
				for ; idx < p; idx++ {
					if f := fields[idx]; !have[f] {
						out = append(out, zeroNode(f))
						have[f] = true
					}
				}
			}
		}
		out = append(out, c)
	}
	for ; idx < len(fields); idx++ {
		if f := fields[idx]; !have[f] {
			out = append(out, zeroNode(f))
		}
	}
	n.children = out
}

func zeroNode(f string) *xnode {
	v := "0"
	if d, ok := zeroDefaults[f]; ok {
		v = d
	}
	return &xnode{name: f, children: []*xnode{{isText: true, text: v}}}
}
