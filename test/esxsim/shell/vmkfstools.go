package main

// vmkfstools: the virtual disk subset OpenNebula's vmfs drivers use.
//   -c SIZE [-d FMT] [-a ADAPTER] X.vmdk    create
//   -i SRC [-d FMT] [-a ADAPTER] DST.vmdk   clone (import)
//   -U X.vmdk                               delete
//   -X SIZE X.vmdk                          extend
//   -E OLD.vmdk NEW.vmdk                    rename

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

func vmkfsUsage() int {
	fmt.Fprint(os.Stderr, `esxsim vmkfstools (simulated). Supported:
   vmkfstools -c SIZE[kKmMgGtT] [-d thin|zeroedthick|eagerzeroedthick] [-a lsilogic|buslogic|ide|lsisas|pvscsi] X.vmdk
   vmkfstools -i SRC.vmdk [-d FORMAT] [-a ADAPTER] DST.vmdk
   vmkfstools -U X.vmdk
   vmkfstools -X SIZE X.vmdk
   vmkfstools -E OLD.vmdk NEW.vmdk
`)
	return 1
}

func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty size")
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	case 't', 'T':
		mult = 1 << 40
	case 'b', 'B':
		mult = 1
	}
	if mult != 1 || s[len(s)-1] == 'b' || s[len(s)-1] == 'B' {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func normFormat(f string) (string, bool) {
	switch strings.ToLower(f) {
	case "", "zeroedthick", "thick":
		return "zeroedthick", true
	case "thin":
		return "thin", true
	case "eagerzeroedthick":
		return "eagerzeroedthick", true
	}
	return f, false
}

func formatLabel(f string) string {
	switch f {
	case "thin":
		return "VMFS thin-provisioned"
	case "eagerzeroedthick":
		return "VMFS eagerzeroedthick"
	}
	return "VMFS zeroedthick"
}

func vmkfstoolsMain(args []string) int {
	var create, clone, extend, rename string
	var del bool
	format, adapter := "", ""
	var pos []string
	opt := func(i *int, name string) (string, bool) {
		a := args[*i]
		if j := strings.IndexByte(a, '='); strings.HasPrefix(a, "--") && j > 0 {
			return a[j+1:], true
		}
		if *i+1 >= len(args) {
			fmt.Fprintf(os.Stderr, "Option %s requires an argument\n", name)
			return "", false
		}
		*i++
		return args[*i], true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		key := a
		if strings.HasPrefix(a, "--") {
			key = strings.SplitN(a, "=", 2)[0]
		}
		var ok = true
		switch key {
		case "-c", "--createvirtualdisk":
			create, ok = opt(&i, a)
		case "-i", "--clonevirtualdisk":
			clone, ok = opt(&i, a)
		case "-X", "--extendvirtualdisk":
			extend, ok = opt(&i, a)
		case "-E", "--renamevirtualdisk":
			rename, ok = opt(&i, a)
		case "-U", "--deletevirtualdisk":
			del = true
		case "-d", "--diskformat":
			format, ok = opt(&i, a)
		case "-a", "--adaptertype":
			adapter, ok = opt(&i, a)
		case "-v", "--verbose":
			_, ok = opt(&i, a)
		case "-h", "--help":
			return vmkfsUsage()
		default:
			if strings.HasPrefix(a, "-") && len(a) > 1 {
				fmt.Fprintf(os.Stderr, "vmkfstools: unsupported option %s (esxsim)\n", a)
				return vmkfsUsage()
			}
			pos = append(pos, a)
		}
		if !ok {
			return 1
		}
	}
	if len(pos) != 1 {
		return vmkfsUsage()
	}
	target := pos[0]
	fmtName, ok := normFormat(format)
	if !ok {
		fmt.Fprintf(os.Stderr, "Failed to create virtual disk: One of the parameters supplied is invalid (1).\n")
		return 1
	}
	if adapter != "" {
		switch adapter {
		case "lsilogic", "buslogic", "ide", "lsisas", "pvscsi", "legacyESX":
		default:
			fmt.Fprintf(os.Stderr, "Invalid adapter type '%s'\n", adapter)
			return 1
		}
	}
	switch {
	case create != "":
		size, err := parseSize(create)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Failed to create virtual disk: One of the parameters supplied is invalid (1).\n")
			return 1
		}
		return vmkCreate(target, size, fmtName, adapter)
	case clone != "":
		return vmkClone(clone, target, fmtName, adapter)
	case del:
		return vmkDelete(target)
	case extend != "":
		return vmkExtend(target, extend)
	case rename != "":
		return vmkRename(rename, target)
	}
	return vmkfsUsage()
}

// errText maps an OS error to ESX's wording.
func errText(err error) string {
	switch {
	case os.IsExist(err):
		return "The file already exists (39)"
	case os.IsNotExist(err):
		return "The system cannot find the file specified (25)"
	case os.IsPermission(err):
		return "Insufficient permission to access file (38)"
	case err == errNotVMDK:
		return err.Error()
	}
	return err.Error()
}

func vmkCreate(target string, size int64, format, adapter string) int {
	sectors := (size + sectorSize - 1) / sectorSize
	if err := createDisk(target, sectors, format, adapter, nil); err != nil {
		fmt.Fprintf(os.Stderr, "Failed to create virtual disk: %s.\n", errText(err))
		return 1
	}
	if format == "eagerzeroedthick" {
		fmt.Printf("Creating disk '%s' and zeroing it out...\n", target)
	}
	fmt.Println("Create: 100% done.")
	return 0
}

// createDisk makes descriptor + flat extent. fill, if set, writes the data.
func createDisk(target string, sectors int64, format, adapter string, fill func(f *os.File) error) error {
	if _, err := os.Lstat(target); err == nil {
		return os.ErrExist
	}
	if st, err := os.Stat(filepath.Dir(target)); err != nil || !st.IsDir() {
		return os.ErrNotExist
	}
	ext := flatName(target)
	extPath := filepath.Join(filepath.Dir(target), ext)
	f, err := os.OpenFile(extPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		return err
	}
	size := sectors * sectorSize
	fail := func(err error) error {
		f.Close()
		os.Remove(extPath)
		os.Remove(target)
		return err
	}
	if err := f.Truncate(size); err != nil {
		return fail(err)
	}
	if format != "thin" {
		if err := allocate(f, 0, size); err != nil {
			return fail(err)
		}
	}
	if fill != nil {
		if err := fill(f); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	nd := &newDisk{Sectors: sectors, Adapter: adapter, Thin: format == "thin", Extent: ext}
	df, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		return fail(err)
	}
	if _, err := df.WriteString(nd.text()); err != nil {
		df.Close()
		return fail(err)
	}
	return df.Close()
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func vmkClone(src, dst, format, adapter string) int {
	d, err := readDescriptor(src)
	if err != nil {
		if os.IsNotExist(err) {
			fmt.Fprintf(os.Stderr, "Failed to open '%s': Could not find the file (600000003).\n", src)
		} else if err == errNotVMDK {
			fmt.Fprintf(os.Stderr, "DiskLib_Check() failed for source disk '%s': The file specified is not a virtual disk (15).\n", src)
		} else {
			fmt.Fprintf(os.Stderr, "Failed to open '%s': %s.\n", src, errText(err))
		}
		return 1
	}
	r, err := openVirtualDisk(d)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to open '%s': %s.\n", src, errText(err))
		return 1
	}
	defer r.Close()
	if adapter == "" {
		adapter = d.DDB["ddb.adapterType"]
	}
	switch adapter {
	case "lsilogic", "buslogic", "ide", "lsisas", "pvscsi":
	default:
		adapter = "lsilogic"
	}
	fmt.Printf("Destination disk format: %s\n", formatLabel(format))
	fmt.Printf("Cloning disk '%s'...\n", src)
	ranges, err := r.Ranges()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to clone disk: %s.\n", errText(err))
		return 1
	}
	fill := func(f *os.File) error {
		buf := make([]byte, 1<<20)
		for _, rg := range ranges {
			for off := rg.Off; off < rg.Off+rg.Len; {
				n := int64(len(buf))
				if rem := rg.Off + rg.Len - off; rem < n {
					n = rem
				}
				got, err := r.ReadAt(buf[:n], off)
				if err != nil && err != io.EOF {
					return err
				}
				if got > 0 && !isZero(buf[:got]) {
					if _, err := f.WriteAt(buf[:got], off); err != nil {
						return err
					}
				}
				if got == 0 {
					break
				}
				off += int64(got)
			}
		}
		return nil
	}
	sectors := d.capacitySectors()
	if err := createDisk(dst, sectors, format, adapter, fill); err != nil {
		fmt.Fprintf(os.Stderr, "Failed to clone disk: %s.\n", errText(err))
		return 1
	}
	fmt.Println("Clone: 100% done.")
	return 0
}

func vmkDelete(target string) int {
	d, err := readDescriptor(target)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to delete virtual disk: %s.\n", errText(err))
		return 1
	}
	files := d.files()
	for i := len(files) - 1; i >= 0; i-- {
		if err := os.Remove(files[i]); err != nil && !os.IsNotExist(err) {
			fmt.Fprintf(os.Stderr, "Failed to delete virtual disk: %s.\n", errText(err))
			return 1
		}
	}
	return 0
}

var extentLineRe = regexp.MustCompile(`(?m)^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(.*)$`)
var cylRe = regexp.MustCompile(`(?m)^ddb\.geometry\.cylinders\s*=.*$`)

func vmkExtend(target, sizeArg string) int {
	d, err := readDescriptor(target)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to extend disk : %s.\n", errText(err))
		return 1
	}
	cur := d.capacitySectors() * sectorSize
	rel := strings.HasPrefix(sizeArg, "+")
	size, err := parseSize(strings.TrimPrefix(sizeArg, "+"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to extend disk : One of the parameters supplied is invalid (1).\n")
		return 1
	}
	if rel {
		size += cur
	}
	newSectors := (size + sectorSize - 1) / sectorSize
	if d.Embedded || len(d.Extents) != 1 || (d.Extents[0].Type != "VMFS" && d.Extents[0].Type != "FLAT") {
		fmt.Fprintf(os.Stderr, "Failed to extend disk : The operation is not supported on the object (1).\n")
		return 1
	}
	if newSectors*sectorSize <= cur {
		fmt.Fprintf(os.Stderr, "Failed to extend disk : One of the parameters supplied is invalid (1).\n")
		return 1
	}
	e := d.Extents[0]
	f, err := os.OpenFile(d.extentPath(e), os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to extend disk : %s.\n", errText(err))
		return 1
	}
	base := e.Offset * sectorSize
	if err := f.Truncate(base + newSectors*sectorSize); err == nil && d.DDB["ddb.thinProvisioned"] != "1" {
		err = allocate(f, base+cur, newSectors*sectorSize-cur)
		if err != nil {
			f.Close()
			fmt.Fprintf(os.Stderr, "Failed to extend disk : %s.\n", errText(err))
			return 1
		}
	}
	f.Close()
	text, _ := os.ReadFile(target)
	text = extentLineRe.ReplaceAllFunc(text, func(m []byte) []byte {
		sm := extentLineRe.FindSubmatch(m)
		return []byte(fmt.Sprintf("%s %d %s%s", sm[1], newSectors, sm[3], sm[4]))
	})
	c, _, _ := geometry(newSectors, d.DDB["ddb.adapterType"])
	text = cylRe.ReplaceAll(text, []byte(fmt.Sprintf(`ddb.geometry.cylinders = "%d"`, c)))
	if err := writeFileAtomic(target, text, 0600); err != nil {
		fmt.Fprintf(os.Stderr, "Failed to extend disk : %s.\n", errText(err))
		return 1
	}
	return 0
}

func vmkRename(old, nw string) int {
	d, err := readDescriptor(old)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to rename virtual disk: %s.\n", errText(err))
		return 1
	}
	if _, err := os.Lstat(nw); err == nil {
		fmt.Fprintf(os.Stderr, "Failed to rename virtual disk: The file already exists (39).\n")
		return 1
	}
	if d.Embedded {
		if err := os.Rename(old, nw); err != nil {
			fmt.Fprintf(os.Stderr, "Failed to rename virtual disk: %s.\n", errText(err))
			return 1
		}
		return 0
	}
	text, _ := os.ReadFile(old)
	dir := filepath.Dir(nw)
	if len(d.Extents) == 1 && d.Extents[0].File != "" {
		e := d.Extents[0]
		newExt := flatName(nw)
		if err := os.Rename(d.extentPath(e), filepath.Join(dir, newExt)); err != nil {
			fmt.Fprintf(os.Stderr, "Failed to rename virtual disk: %s.\n", errText(err))
			return 1
		}
		text = bytes.Replace(text, []byte(`"`+e.File+`"`), []byte(`"`+newExt+`"`), 1)
	} else {
		for _, e := range d.Extents {
			if e.File != "" && filepath.Dir(d.extentPath(e)) != filepath.Clean(dir) {
				fmt.Fprintf(os.Stderr, "Failed to rename virtual disk: The operation is not supported on the object (1).\n")
				return 1
			}
		}
	}
	if err := writeFileAtomic(nw, text, 0600); err != nil {
		fmt.Fprintf(os.Stderr, "Failed to rename virtual disk: %s.\n", errText(err))
		return 1
	}
	os.Remove(old)
	return 0
}

// vmdkinfo: capacity and allocation of a disk (for tests).
func vmdkInfoMain(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: vmdkinfo X.vmdk")
		return 2
	}
	d, err := readDescriptor(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var alloc int64
	for _, f := range d.files() {
		if st, err := os.Stat(f); err == nil {
			if s, ok := statBlocks(st); ok {
				alloc += s * 512
			}
		}
	}
	fmt.Printf("createType=%s\ncapacity=%d\nallocated=%d\nthin=%v\nuuid=%s\n", d.CreateType,
		d.capacitySectors()*sectorSize, alloc, d.DDB["ddb.thinProvisioned"] == "1", d.DDB["ddb.uuid"])
	return 0
}
