package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

type vmdkInfo struct {
	capacity  int64 // bytes
	extents   []string
	thin      bool
	uuid      string
	allocated int64 // descriptor + extents, bytes allocated on disk
	adapter   string
}

var reExtent = regexp.MustCompile(`^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\S+)\s+"([^"]+)"`)

func ddbUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	parts := make([]string, 16)
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts[:8], " ") + "-" + strings.Join(parts[8:], " ")
}

func descriptorText(flatName string, sizeBytes int64, thin bool, uuid, adapter string) string {
	sectors := sizeBytes / 512
	cyl := sectors / (255 * 63)
	if cyl < 1 {
		cyl = 1
	}
	if adapter == "" {
		adapter = "lsilogic"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	cid := fmt.Sprintf("%02x%02x%02x%02x", b[0], b[1], b[2], b[3])
	var sb strings.Builder
	sb.WriteString("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\n")
	fmt.Fprintf(&sb, "CID=%s\nparentCID=ffffffff\ncreateType=\"vmfs\"\n\n", cid)
	fmt.Fprintf(&sb, "# Extent description\nRW %d VMFS \"%s\"\n\n", sectors, flatName)
	sb.WriteString("# The Disk Data Base \n#DDB\n\n")
	fmt.Fprintf(&sb, "ddb.adapterType = \"%s\"\n", adapter)
	sb.WriteString("ddb.deletable = \"true\"\n")
	fmt.Fprintf(&sb, "ddb.geometry.cylinders = \"%d\"\nddb.geometry.heads = \"255\"\nddb.geometry.sectors = \"63\"\n", cyl)
	fmt.Fprintf(&sb, "ddb.longContentID = \"%s%s\"\n", cid, strings.Repeat("0", 24))
	if thin {
		sb.WriteString("ddb.thinProvisioned = \"1\"\n")
	}
	fmt.Fprintf(&sb, "ddb.uuid = \"%s\"\n", uuid)
	sb.WriteString("ddb.virtualHWVersion = \"13\"\n")
	return sb.String()
}

// createVMDK writes descriptor path (…/X.vmdk) and extent X-flat.vmdk.
func createVMDK(path string, sizeBytes int64, thin bool, adapter string) error {
	if !strings.HasSuffix(path, ".vmdk") {
		return fmt.Errorf("not a .vmdk path")
	}
	if _, err := os.Stat(path); err == nil {
		return os.ErrExist
	}
	if err := os.MkdirAll(filepath.Dir(path), 0755); err != nil {
		return err
	}
	flat := strings.TrimSuffix(path, ".vmdk") + "-flat.vmdk"
	f, err := os.OpenFile(flat, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0600)
	if err != nil {
		return err
	}
	if thin {
		err = f.Truncate(sizeBytes)
	} else {
		err = syscall.Fallocate(int(f.Fd()), 0, 0, sizeBytes)
		if err != nil {
			err = f.Truncate(sizeBytes)
		}
	}
	f.Close()
	if err != nil {
		os.Remove(flat)
		return err
	}
	return ioutil.WriteFile(path, []byte(descriptorText(filepath.Base(flat), sizeBytes, thin, ddbUUID(), adapter)), 0600)
}

func readVMDK(path string) (*vmdkInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	info := &vmdkInfo{allocated: allocatedBytes(fi)}
	if fi.Size() > 64*1024 {
		// binary (sparse/monolithic) disk: report its size
		info.capacity = fi.Size()
		info.allocated = allocatedBytes(fi)
		return info, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := reExtent.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			info.capacity += n * 512
			ext := m[4]
			if !filepath.IsAbs(ext) {
				ext = filepath.Join(filepath.Dir(path), ext)
			}
			info.extents = append(info.extents, ext)
			if efi, err := os.Stat(ext); err == nil {
				info.allocated += allocatedBytes(efi)
			}
			continue
		}
		if k, v, ok := vmxLine(line); ok {
			switch strings.ToLower(k) {
			case "ddb.thinprovisioned":
				info.thin = v == "1"
			case "ddb.uuid":
				info.uuid = v
			case "ddb.adaptertype":
				info.adapter = v
			}
		}
	}
	if info.allocated == 0 {
		info.allocated = fi.Size()
	}
	return info, nil
}

// copyVMDK copies a descriptor+extent pair, renaming the extent and giving a new uuid.
func copyVMDK(src, dst string, thinOverride *bool) error {
	info, err := readVMDK(src)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dst); err == nil {
		return os.ErrExist
	}
	thin := info.thin
	if thinOverride != nil {
		thin = *thinOverride
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0755); err != nil {
		return err
	}
	flat := strings.TrimSuffix(dst, ".vmdk") + "-flat.vmdk"
	out, err := os.OpenFile(flat, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0600)
	if err != nil {
		return err
	}
	defer out.Close()
	// copy data sparsely: skip zero blocks
	var off int64
	buf := make([]byte, 1<<20)
	for _, ext := range info.extents {
		in, err := os.Open(ext)
		if err != nil {
			return err
		}
		for {
			n, rerr := in.Read(buf)
			if n > 0 {
				if !allZero(buf[:n]) {
					if _, err := out.WriteAt(buf[:n], off); err != nil {
						in.Close()
						return err
					}
				}
				off += int64(n)
			}
			if rerr != nil {
				break
			}
		}
		in.Close()
	}
	if err := out.Truncate(info.capacity); err != nil {
		return err
	}
	if !thin {
		_ = syscall.Fallocate(int(out.Fd()), 0, 0, info.capacity)
	}
	return ioutil.WriteFile(dst, []byte(descriptorText(filepath.Base(flat), info.capacity, thin, ddbUUID(), info.adapter)), 0600)
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// moveVMDK renames descriptor+extent and rewrites the extent line.
func moveVMDK(src, dst string) error {
	info, err := readVMDK(src)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dst); err == nil {
		return os.ErrExist
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0755); err != nil {
		return err
	}
	data, err := ioutil.ReadFile(src)
	if err != nil {
		return err
	}
	text := string(data)
	base := strings.TrimSuffix(dst, ".vmdk")
	for i, ext := range info.extents {
		name := base + "-flat.vmdk"
		if i > 0 {
			name = fmt.Sprintf("%s-f%03d.vmdk", base, i+1)
		}
		if err := os.Rename(ext, name); err != nil {
			return err
		}
		text = strings.Replace(text, "\""+filepath.Base(ext)+"\"", "\""+filepath.Base(name)+"\"", 1)
	}
	if err := ioutil.WriteFile(dst, []byte(text), 0600); err != nil {
		return err
	}
	return os.Remove(src)
}

func deleteVMDK(path string) error {
	info, err := readVMDK(path)
	if err != nil {
		return err
	}
	for _, ext := range info.extents {
		_ = os.Remove(ext)
	}
	return os.Remove(path)
}
