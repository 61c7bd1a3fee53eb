package glance

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"fmt"
)

// Image is an image's metadata, as Glance stores it.
type Image struct {
	ID              string
	Name            string
	DiskFormat      string
	ContainerFormat string
	Size            int64
	MinRAM, MinDisk int // MiB, GiB
	// OS is the guest's os_distro, which its console log names.
	OS string
	// Kernel is the kernel release the guest's console log shows booting.
	Kernel string
}

// seeded are the images every cloud lists: DevStack's CirrOS and two
// cloud images a tenant would upload.
var seeded = []Image{
	{Name: "cirros-0.6.2-x86_64-disk", DiskFormat: "qcow2", ContainerFormat: "bare", Size: 21430272, OS: "cirros", Kernel: "5.15.0-71-generic"},
	{Name: "debian-12-genericcloud-amd64", DiskFormat: "qcow2", ContainerFormat: "bare", Size: 340328448, MinDisk: 3, OS: "debian", Kernel: "6.1.0-28-cloud-amd64"},
	{Name: "ubuntu-24.04-server-cloudimg-amd64", DiskFormat: "qcow2", ContainerFormat: "bare", Size: 586153984, MinDisk: 4, MinRAM: 512, OS: "ubuntu", Kernel: "6.8.0-49-generic"},
}

func init() {
	for i := range seeded {
		seeded[i].ID = nameUUID(seeded[i].Name)
	}
}

// Images are the seeded images, in the order Glance lists them.
func Images() []Image { return append([]Image(nil), seeded...) }

// Lookup finds an image by id.
func Lookup(id string) (Image, bool) {
	for _, im := range seeded {
		if im.ID == id {
			return im, true
		}
	}
	return Image{}, false
}

// nameUUID is a name-based (version 5 style) UUID: the same name gives
// the same id on every start and in every cloud.
func nameUUID(name string) string {
	h := sha1.Sum([]byte("intercloud image " + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// checksums stand in for the disk data's hashes: derived from the name,
// as there is no data to hash.
func (im Image) checksums() (md5hex, sha512hex string) {
	return fmt.Sprintf("%x", md5.Sum([]byte(im.Name))), fmt.Sprintf("%x", sha512.Sum512([]byte(im.Name)))
}
