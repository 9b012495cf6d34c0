package main

// go test for the file side of vmkfstools (no API, no root needed):
//   cd test/esxsim/shell && GO111MODULE=off GOPATH=/usr/share/gocode go test .

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func allocated(t *testing.T, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := statBlocks(st)
	return b * 512
}

func quiet(t *testing.T) func() {
	// vmkfstools prints ESX's progress lines; keep test output readable
	old := os.Stdout
	f, _ := os.Open(os.DevNull)
	os.Stdout = f
	return func() { os.Stdout = old; f.Close() }
}

func TestCreateFormats(t *testing.T) {
	defer quiet(t)()
	d := t.TempDir()
	for _, f := range []string{"thin", "zeroedthick", "eagerzeroedthick"} {
		p := filepath.Join(d, f+".vmdk")
		if rc := vmkfstoolsMain([]string{"-c", "8M", "-d", f, p}); rc != 0 {
			t.Fatalf("create %s: rc %d", f, rc)
		}
		desc, err := readDescriptor(p)
		if err != nil {
			t.Fatal(err)
		}
		if desc.CreateType != "vmfs" || desc.capacitySectors() != 16384 || len(desc.Extents) != 1 ||
			desc.Extents[0].Type != "VMFS" || desc.Extents[0].File != f+"-flat.vmdk" {
			t.Fatalf("%s: bad descriptor %+v", f, desc)
		}
		thin := desc.DDB["ddb.thinProvisioned"] == "1"
		if thin != (f == "thin") {
			t.Fatalf("%s: thinProvisioned=%v", f, thin)
		}
		a := allocated(t, filepath.Join(d, f+"-flat.vmdk"))
		if f == "thin" && a > 0 || f != "thin" && a < 8<<20 {
			t.Fatalf("%s: %d bytes allocated", f, a)
		}
	}
	if rc := vmkfstoolsMain([]string{"-c", "8M", "-d", "thin", filepath.Join(d, "thin.vmdk")}); rc == 0 {
		t.Fatal("create over an existing disk succeeded")
	}
}

func TestCloneExtendRenameDelete(t *testing.T) {
	defer quiet(t)()
	d := t.TempDir()
	src := filepath.Join(d, "src.vmdk")
	if vmkfstoolsMain([]string{"-c", "16M", "-d", "thin", src}) != 0 {
		t.Fatal("create")
	}
	data := make([]byte, 1<<20)
	rand.Read(data)
	f, _ := os.OpenFile(filepath.Join(d, "src-flat.vmdk"), os.O_RDWR, 0)
	f.WriteAt(data, 5<<20)
	f.Close()
	dst := filepath.Join(d, "dst.vmdk")
	if vmkfstoolsMain([]string{"-i", src, "-d", "thin", dst}) != 0 {
		t.Fatal("clone")
	}
	got, _ := os.ReadFile(filepath.Join(d, "dst-flat.vmdk"))
	if len(got) != 16<<20 || !bytes.Equal(got[5<<20:6<<20], data) {
		t.Fatal("clone content differs")
	}
	if a := allocated(t, filepath.Join(d, "dst-flat.vmdk")); a > 2<<20 {
		t.Fatalf("thin clone not sparse: %d", a)
	}
	if vmkfstoolsMain([]string{"-X", "32M", dst}) != 0 {
		t.Fatal("extend")
	}
	if desc, _ := readDescriptor(dst); desc.capacitySectors() != 65536 {
		t.Fatal("extend: wrong size")
	}
	nw := filepath.Join(d, "new.vmdk")
	if vmkfstoolsMain([]string{"-E", dst, nw}) != 0 {
		t.Fatal("rename")
	}
	if desc, err := readDescriptor(nw); err != nil || desc.Extents[0].File != "new-flat.vmdk" {
		t.Fatal("rename: descriptor not updated")
	}
	if vmkfstoolsMain([]string{"-U", nw}) != 0 {
		t.Fatal("delete")
	}
	left, _ := filepath.Glob(filepath.Join(d, "new*"))
	if len(left) != 0 {
		t.Fatalf("delete left %v", left)
	}
}

// hosted sparse sources made by qemu-img (what users upload)
func TestCloneFromHostedSparse(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("no qemu-img")
	}
	defer quiet(t)()
	d := t.TempDir()
	raw := filepath.Join(d, "r.raw")
	data := make([]byte, 3<<20)
	rand.Read(data)
	f, _ := os.Create(raw)
	f.Truncate(20 << 20)
	f.WriteAt(data, 7<<20)
	f.Close()
	for _, sub := range []string{"monolithicSparse", "streamOptimized", "twoGbMaxExtentSparse"} {
		in := filepath.Join(d, sub+".vmdk")
		if out, err := exec.Command("qemu-img", "convert", "-O", "vmdk", "-o", "subformat="+sub, raw, in).CombinedOutput(); err != nil {
			t.Fatalf("qemu-img: %v %s", err, out)
		}
		dst := filepath.Join(d, "c-"+sub+".vmdk")
		if vmkfstoolsMain([]string{"-i", in, "-d", "thin", dst}) != 0 {
			t.Fatalf("clone from %s", sub)
		}
		out, err := exec.Command("qemu-img", "compare", "-q", raw, dst).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: clone differs: %s", sub, strings.TrimSpace(string(out)))
		}
	}
}
