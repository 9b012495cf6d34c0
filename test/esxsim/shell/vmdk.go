package main

// VMDK descriptors and extents: parse ESX/hosted descriptors, read flat and
// hosted-sparse (monolithicSparse, streamOptimized) extents, write ESX
// "vmfs" descriptors with flat extents.

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

const sectorSize = 512

type extent struct {
	Access  string // RW, RDONLY, NOACCESS
	Sectors int64
	Type    string // FLAT, VMFS, SPARSE, ZERO, VMFSSPARSE, ...
	File    string // as written in the descriptor
	Offset  int64  // sectors, FLAT only
}

type descriptor struct {
	Path       string // descriptor file
	Embedded   bool   // descriptor inside a sparse extent
	CreateType string
	ParentCID  string
	Extents    []extent
	DDB        map[string]string
}

var extentRe = regexp.MustCompile(`^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?`)
var kvRe = regexp.MustCompile(`^([A-Za-z0-9_.]+)\s*=\s*"?([^"]*)"?\s*$`)

var errNotVMDK = errors.New("The file specified is not a virtual disk (15)")

func parseDescriptorText(path string, text string) (*descriptor, error) {
	d := &descriptor{Path: path, DDB: map[string]string{}}
	if !strings.Contains(text, "Disk DescriptorFile") && !strings.Contains(text, "createType") {
		return nil, errNotVMDK
	}
	for _, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(strings.TrimRight(ln, "\x00\r"))
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		if m := extentRe.FindStringSubmatch(ln); m != nil {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			e := extent{Access: m[1], Sectors: n, Type: strings.ToUpper(m[3]), File: m[4]}
			if m[5] != "" {
				e.Offset, _ = strconv.ParseInt(m[5], 10, 64)
			}
			d.Extents = append(d.Extents, e)
			continue
		}
		if m := kvRe.FindStringSubmatch(ln); m != nil {
			switch m[1] {
			case "createType":
				d.CreateType = m[2]
			case "parentCID":
				d.ParentCID = m[2]
			default:
				if strings.HasPrefix(m[1], "ddb.") {
					d.DDB[m[1]] = m[2]
				}
			}
		}
	}
	if d.CreateType == "" && len(d.Extents) == 0 {
		return nil, errNotVMDK
	}
	return d, nil
}

// readDescriptor reads a descriptor file, or the descriptor embedded in a
// hosted sparse file (monolithicSparse, streamOptimized).
func readDescriptor(path string) (*descriptor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errNotVMDK
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if n >= 4 && string(head[:4]) == "KDMV" {
		h, err := readSparseHeader(f, 0)
		if err != nil {
			return nil, err
		}
		if h.descOffset == 0 || h.descSize == 0 {
			// no embedded descriptor: synthesise one
			return &descriptor{Path: path, Embedded: true, CreateType: "monolithicSparse", DDB: map[string]string{},
				Extents: []extent{{Access: "RW", Sectors: int64(h.capacity), Type: "SPARSE", File: filepath.Base(path)}}}, nil
		}
		buf := make([]byte, h.descSize*sectorSize)
		if _, err := f.ReadAt(buf, int64(h.descOffset)*sectorSize); err != nil && err != io.EOF {
			return nil, err
		}
		d, err := parseDescriptorText(path, string(bytes.TrimRight(buf, "\x00")))
		if err != nil {
			return nil, err
		}
		d.Embedded = true
		return d, nil
	}
	if st.Size() > 1<<20 {
		return nil, errNotVMDK
	}
	rest, _ := io.ReadAll(f)
	return parseDescriptorText(path, string(head)+string(rest))
}

func (d *descriptor) capacitySectors() int64 {
	var n int64
	for _, e := range d.Extents {
		n += e.Sectors
	}
	return n
}

func (d *descriptor) extentPath(e extent) string {
	if filepath.IsAbs(e.File) {
		return e.File
	}
	return filepath.Join(filepath.Dir(d.Path), e.File)
}

// files returns the descriptor and every extent file (deduplicated).
func (d *descriptor) files() []string {
	seen := map[string]bool{d.Path: true}
	out := []string{d.Path}
	for _, e := range d.Extents {
		if e.File == "" {
			continue
		}
		p := d.extentPath(e)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// ---- reading a virtual disk ----

// dataRange is a byte range of the virtual disk that may hold data;
// everything outside the ranges reads as zeros.
type dataRange struct{ Off, Len int64 }

type vreader interface {
	io.ReaderAt
	Size() int64
	Ranges() ([]dataRange, error)
	Close() error
}

type flatReader struct {
	f    *os.File
	base int64 // byte offset inside the file
	size int64
}

func (r *flatReader) Size() int64 { return r.size }
func (r *flatReader) Close() error { return r.f.Close() }
func (r *flatReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.f.ReadAt(p, r.base+off)
	if err == io.EOF || (err == nil && n < len(p)) {
		for i := n; i < len(p); i++ {
			p[i] = 0
		}
		return len(p), nil
	}
	return n, err
}

const (
	seekData = 3
	seekHole = 4
)

// Ranges uses SEEK_DATA/SEEK_HOLE so that sparse extents copy in
// proportion to their data, not their size.
func (r *flatReader) Ranges() ([]dataRange, error) {
	st, err := r.f.Stat()
	if err != nil {
		return nil, err
	}
	end := r.base + r.size
	if st.Size() < end {
		end = st.Size()
	}
	var out []dataRange
	pos := r.base
	for pos < end {
		d, err := r.f.Seek(pos, seekData)
		if err != nil {
			if errors.Is(err, syscall.ENXIO) {
				break
			}
			// no SEEK_DATA support: everything is data
			return []dataRange{{0, end - r.base}}, nil
		}
		if d >= end {
			break
		}
		h, err := r.f.Seek(d, seekHole)
		if err != nil || h > end {
			h = end
		}
		out = append(out, dataRange{d - r.base, h - d})
		pos = h
	}
	return out, nil
}

type zeroReader struct{ size int64 }

func (r *zeroReader) Size() int64 { return r.size }
func (r *zeroReader) Close() error { return nil }
func (r *zeroReader) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}
func (r *zeroReader) Ranges() ([]dataRange, error) { return nil, nil }

// hosted sparse extent ("KDMV")
type sparseHeader struct {
	flags      uint32
	capacity   uint64
	grainSize  uint64
	descOffset uint64
	descSize   uint64
	numGTEs    uint32
	gdOffset   uint64
	compress   uint16
}

func readSparseHeader(f *os.File, at int64) (*sparseHeader, error) {
	b := make([]byte, 512)
	if _, err := f.ReadAt(b, at); err != nil {
		return nil, err
	}
	if string(b[:4]) != "KDMV" {
		return nil, errNotVMDK
	}
	le := binary.LittleEndian
	h := &sparseHeader{
		flags:      le.Uint32(b[8:]),
		capacity:   le.Uint64(b[12:]),
		grainSize:  le.Uint64(b[20:]),
		descOffset: le.Uint64(b[28:]),
		descSize:   le.Uint64(b[36:]),
		numGTEs:    le.Uint32(b[44:]),
		gdOffset:   le.Uint64(b[56:]),
		compress:   le.Uint16(b[77:]),
	}
	return h, nil
}

type sparseReader struct {
	f      *os.File
	h      *sparseHeader
	grains []uint32 // sector offset of each grain, 0 = none
	size   int64
}

func openSparse(path string, sectors int64) (*sparseReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h, err := readSparseHeader(f, 0)
	if err != nil {
		f.Close()
		return nil, err
	}
	if h.gdOffset == ^uint64(0) { // GD at end (streamOptimized): use the footer
		st, _ := f.Stat()
		if h, err = readSparseHeader(f, st.Size()-1024); err != nil {
			f.Close()
			return nil, fmt.Errorf("bad sparse footer: %v", err)
		}
	}
	if h.grainSize == 0 || h.numGTEs == 0 {
		f.Close()
		return nil, errNotVMDK
	}
	ngrains := (h.capacity + h.grainSize - 1) / h.grainSize
	ngt := (ngrains + uint64(h.numGTEs) - 1) / uint64(h.numGTEs)
	gd := make([]byte, ngt*4)
	if _, err := f.ReadAt(gd, int64(h.gdOffset)*sectorSize); err != nil {
		f.Close()
		return nil, err
	}
	r := &sparseReader{f: f, h: h, grains: make([]uint32, ngrains), size: sectors * sectorSize}
	gt := make([]byte, h.numGTEs*4)
	for i := uint64(0); i < ngt; i++ {
		off := binary.LittleEndian.Uint32(gd[i*4:])
		if off == 0 {
			continue
		}
		if _, err := f.ReadAt(gt, int64(off)*sectorSize); err != nil {
			f.Close()
			return nil, err
		}
		for j := uint64(0); j < uint64(h.numGTEs); j++ {
			g := i*uint64(h.numGTEs) + j
			if g >= ngrains {
				break
			}
			v := binary.LittleEndian.Uint32(gt[j*4:])
			if v > 1 { // 1 = zeroed grain
				r.grains[g] = v
			}
		}
	}
	return r, nil
}

func (r *sparseReader) Size() int64 { return r.size }
func (r *sparseReader) Close() error { return r.f.Close() }

func (r *sparseReader) grain(g int64, buf []byte) error {
	for i := range buf {
		buf[i] = 0
	}
	if g >= int64(len(r.grains)) || r.grains[g] == 0 {
		return nil
	}
	off := int64(r.grains[g]) * sectorSize
	if r.h.flags&0x10000 != 0 { // compressed grains with a marker
		hdr := make([]byte, 12)
		if _, err := r.f.ReadAt(hdr, off); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint32(hdr[8:])
		comp := make([]byte, n)
		if _, err := r.f.ReadAt(comp, off+12); err != nil {
			return err
		}
		zr, err := zlib.NewReader(bytes.NewReader(comp))
		if err != nil {
			return err
		}
		defer zr.Close()
		_, err = io.ReadFull(zr, buf)
		if err == io.ErrUnexpectedEOF {
			err = nil
		}
		return err
	}
	_, err := r.f.ReadAt(buf, off)
	if err == io.EOF {
		err = nil
	}
	return err
}

func (r *sparseReader) ReadAt(p []byte, off int64) (int, error) {
	gs := int64(r.h.grainSize) * sectorSize
	buf := make([]byte, gs)
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		g := pos / gs
		if err := r.grain(g, buf); err != nil {
			return done, err
		}
		n := copy(p[done:], buf[pos-g*gs:])
		done += n
	}
	return done, nil
}

func (r *sparseReader) Ranges() ([]dataRange, error) {
	gs := int64(r.h.grainSize) * sectorSize
	var out []dataRange
	for g, v := range r.grains {
		if v == 0 {
			continue
		}
		o := int64(g) * gs
		if n := len(out); n > 0 && out[n-1].Off+out[n-1].Len == o {
			out[n-1].Len += gs
		} else {
			out = append(out, dataRange{o, gs})
		}
	}
	return out, nil
}

// multiReader concatenates extents.
type multiReader struct {
	parts []vreader
	offs  []int64
	size  int64
}

func (m *multiReader) Size() int64 { return m.size }
func (m *multiReader) Close() error {
	for _, p := range m.parts {
		p.Close()
	}
	return nil
}
func (m *multiReader) ReadAt(p []byte, off int64) (int, error) {
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		i := sort.Search(len(m.offs), func(i int) bool { return m.offs[i] > pos }) - 1
		if i < 0 || pos >= m.size {
			return done, io.EOF
		}
		end := m.size
		if i+1 < len(m.offs) {
			end = m.offs[i+1]
		}
		chunk := p[done:]
		if int64(len(chunk)) > end-pos {
			chunk = chunk[:end-pos]
		}
		n, err := m.parts[i].ReadAt(chunk, pos-m.offs[i])
		done += n
		if err != nil && err != io.EOF {
			return done, err
		}
		if n == 0 {
			return done, io.ErrUnexpectedEOF
		}
	}
	return done, nil
}
func (m *multiReader) Ranges() ([]dataRange, error) {
	var out []dataRange
	for i, p := range m.parts {
		rs, err := p.Ranges()
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.Off+r.Len > p.Size() {
				r.Len = p.Size() - r.Off
			}
			if r.Len > 0 {
				out = append(out, dataRange{r.Off + m.offs[i], r.Len})
			}
		}
	}
	return out, nil
}

func openVirtualDisk(d *descriptor) (vreader, error) {
	m := &multiReader{}
	for _, e := range d.Extents {
		size := e.Sectors * sectorSize
		var r vreader
		switch e.Type {
		case "FLAT", "VMFS", "VMFSRDM", "VMFSRAW":
			f, err := os.Open(d.extentPath(e))
			if err != nil {
				m.Close()
				return nil, err
			}
			r = &flatReader{f: f, base: e.Offset * sectorSize, size: size}
		case "ZERO":
			r = &zeroReader{size: size}
		case "SPARSE":
			s, err := openSparse(d.extentPath(e), e.Sectors)
			if err != nil {
				m.Close()
				return nil, err
			}
			r = s
		default:
			m.Close()
			return nil, fmt.Errorf("unsupported extent type %s", e.Type)
		}
		m.parts = append(m.parts, r)
		m.offs = append(m.offs, m.size)
		m.size += size
	}
	return m, nil
}

// ---- writing an ESX descriptor ----

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func newDiskUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	var parts []string
	for i, c := range b {
		s := fmt.Sprintf("%02x", c)
		if i == 8 {
			parts[len(parts)-1] += "-" + s
			continue
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func geometry(sectors int64, adapter string) (cyl, heads, secs int64) {
	if adapter == "ide" {
		heads, secs = 16, 63
	} else {
		heads, secs = 255, 63
	}
	cyl = sectors / (heads * secs)
	if adapter == "ide" && cyl > 16383 {
		cyl = 16383
	}
	if cyl > 65535 {
		cyl = 65535
	}
	if cyl < 1 {
		cyl = 1
	}
	return
}

type newDisk struct {
	Sectors  int64
	Adapter  string
	Thin     bool
	Extent   string // file name of the flat extent
	UUID     string
	LongCID  string
	HWVer    string
	Geometry [3]int64 // optional, 0 = computed
}

func (n *newDisk) text() string {
	if n.Adapter == "" {
		n.Adapter = "lsilogic"
	}
	if n.UUID == "" {
		n.UUID = newDiskUUID()
	}
	if n.LongCID == "" {
		n.LongCID = randHex(16) // CID = its last 8 digits
	}
	if n.HWVer == "" {
		n.HWVer = "13"
	}
	c, h, s := geometry(n.Sectors, n.Adapter)
	if n.Geometry[0] > 0 {
		c, h, s = n.Geometry[0], n.Geometry[1], n.Geometry[2]
	}
	var b strings.Builder
	b.WriteString("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\n")
	fmt.Fprintf(&b, "CID=%s\nparentCID=ffffffff\nisNativeSnapshot=\"no\"\ncreateType=\"vmfs\"\n\n", n.LongCID[len(n.LongCID)-8:])
	fmt.Fprintf(&b, "# Extent description\nRW %d VMFS \"%s\"\n\n", n.Sectors, n.Extent)
	b.WriteString("# The Disk Data Base \n#DDB\n\n")
	fmt.Fprintf(&b, "ddb.adapterType = \"%s\"\n", n.Adapter)
	fmt.Fprintf(&b, "ddb.geometry.cylinders = \"%d\"\nddb.geometry.heads = \"%d\"\nddb.geometry.sectors = \"%d\"\n", c, h, s)
	fmt.Fprintf(&b, "ddb.longContentID = \"%s\"\n", n.LongCID)
	if n.Thin {
		b.WriteString("ddb.thinProvisioned = \"1\"\n")
	}
	fmt.Fprintf(&b, "ddb.uuid = \"%s\"\n", n.UUID)
	fmt.Fprintf(&b, "ddb.virtualHWVersion = \"%s\"\n", n.HWVer)
	return b.String()
}

// flatName gives the extent name ESX uses for a descriptor: X.vmdk -> X-flat.vmdk
func flatName(desc string) string {
	base := filepath.Base(desc)
	return strings.TrimSuffix(base, filepath.Ext(base)) + "-flat.vmdk"
}

// allocate makes [off, off+n) of f allocated (thick disks).
func allocate(f *os.File, off, n int64) error {
	if n <= 0 {
		return nil
	}
	err := syscall.Fallocate(int(f.Fd()), 0, off, n)
	if err == nil {
		return nil
	}
	if !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) {
		return err
	}
	buf := make([]byte, 1<<20)
	for n > 0 {
		c := int64(len(buf))
		if c > n {
			c = n
		}
		if _, err := f.WriteAt(buf[:c], off); err != nil {
			return err
		}
		off += c
		n -= c
	}
	return nil
}

// writeFileAtomic writes a small text file via a temporary name.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
