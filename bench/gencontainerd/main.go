// Command gencontainerd writes a large containerd metadata database for boltview's
// export benchmark: many namespaces, containers, images, content blobs, snapshots and
// leases, shaped like what containerd 1.6 writes on a busy node.
//
// The shape comes from containerd's own code wherever it can run without a daemon:
// containers, images and leases go through containerd's metadata stores (the code
// the daemon uses), specs come from containerd's oci.GenerateSpec, runtime options are
// containerd.runc.v1.Options marshaled by typeurl, and the snapshotter's database is
// written by containerd's snapshots/storage package.  Content blob records and the
// metadata side of snapshots, which containerd only writes alongside a live backend,
// are written here with the same keys and encodings as metadata/content.go and
// metadata/snapshot.go.  Everything goes through real bbolt, in one transaction per
// file.
//
// Build (Debian packages golang-go, golang-github-containerd-containerd-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gencontainerd ./bench/gencontainerd
//
// Run:
//
//	gencontainerd -o meta.db [-snapshotter-db metadata.db] [-containers 10000] [-images 10000] [-seed 1]
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"time"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/leases"
	"github.com/containerd/containerd/metadata"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/oci"
	_ "github.com/containerd/containerd/runtime" // registers the OCI spec's type URL with typeurl, as the daemon does
	"github.com/containerd/containerd/runtime/v2/runc/options"
	"github.com/containerd/containerd/snapshots"
	"github.com/containerd/containerd/snapshots/storage"
	"github.com/containerd/typeurl"
	"github.com/gogo/protobuf/types"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"
)

const snapshotter = "overlayfs"

// namespaceShare: how containers and images are spread over namespaces.
var namespaceShare = []struct {
	name  string
	share float64
	cri   bool
}{
	{"k8s.io", 0.6, true},
	{"default", 0.3, false},
	{"buildkit", 0.1, false},
}

type generator struct {
	rnd     *rand.Rand
	now     time.Time
	tick    int64
	ms      *storage.MetaStore
	msCtx   context.Context
	backend map[string]string // namespace/key -> backend name
}

func main() {
	out := flag.String("o", "meta.db", "the metadata database to write (must not exist)")
	sdb := flag.String("snapshotter-db", "", "also write the snapshotter's metadata.db here")
	nContainers := flag.Int("containers", 10000, "containers in all")
	nImages := flag.Int("images", 10000, "images in all")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()

	for _, path := range []string{*out, *sdb} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err == nil {
			die(fmt.Errorf("%s exists; gencontainerd never overwrites", path))
		}
	}
	g := &generator{
		rnd:     rand.New(rand.NewSource(*seed)),
		now:     time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC),
		backend: map[string]string{},
	}

	bdb, err := bolt.Open(*out, 0o644, nil)
	if err != nil {
		die(err)
	}
	bdb.NoSync = true // one big transaction; the file format is the same
	mdb := metadata.NewDB(bdb, nil, nil)
	if err := mdb.Init(context.Background()); err != nil {
		die(err)
	}

	var tx storage.Transactor
	if *sdb != "" {
		g.ms, err = storage.NewMetaStore(*sdb)
		if err != nil {
			die(err)
		}
		g.msCtx, tx, err = g.ms.TransactionContext(context.Background(), true)
		if err != nil {
			die(err)
		}
	}

	err = bdb.Update(func(btx *bolt.Tx) error {
		containersLeft, imagesLeft := *nContainers, *nImages
		for i, ns := range namespaceShare {
			containersHere, imagesHere := containersLeft, imagesLeft
			if i < len(namespaceShare)-1 {
				containersHere = int(float64(*nContainers) * ns.share)
				imagesHere = int(float64(*nImages) * ns.share)
			}
			containersLeft -= containersHere
			imagesLeft -= imagesHere
			ctx := metadata.WithTransactionContext(namespaces.WithNamespace(context.Background(), ns.name), btx)
			if err := g.namespace(ctx, btx, mdb, ns.name, ns.cri, containersHere, imagesHere); err != nil {
				return fmt.Errorf("namespace %s: %w", ns.name, err)
			}
		}
		return nil
	})
	if err != nil {
		die(err)
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			die(err)
		}
		if err := g.ms.Close(); err != nil {
			die(err)
		}
	}
	if err := bdb.Sync(); err != nil {
		die(err)
	}
	if err := bdb.Close(); err != nil {
		die(err)
	}
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "gencontainerd:", err)
	os.Exit(1)
}

// at returns a strictly increasing time, so records look written one after another.
func (g *generator) at() time.Time {
	g.tick += int64(time.Millisecond) + g.rnd.Int63n(int64(50*time.Millisecond))
	return g.now.Add(time.Duration(g.tick))
}

func (g *generator) bytes(n int) []byte {
	b := make([]byte, n)
	g.rnd.Read(b)
	return b
}

// -- images and content -----------------------------------------------------------

type layer struct {
	blob     digest.Digest // compressed
	size     int64
	diffID   digest.Digest
	mediaTyp string
}

type builtImage struct {
	name      string
	target    ocispec.Descriptor
	baseChain digest.Digest // chain id of the first layer (its diff id)
	chainID   digest.Digest // of the unpacked (default) platform
	config    digest.Digest
}

func chain(ids []digest.Digest) digest.Digest {
	c := ids[0]
	for _, id := range ids[1:] {
		c = digest.FromString(c.String() + " " + id.String())
	}
	return c
}

func (g *generator) newLayer() layer {
	diff := digest.FromBytes(g.bytes(32))
	return layer{
		blob:     digest.FromBytes(g.bytes(32)),
		size:     1<<20 + g.rnd.Int63n(60<<20),
		diffID:   diff,
		mediaTyp: ocispec.MediaTypeImageLayerGzip,
	}
}

// putBlob writes one content record as metadata/content.go's commit does.
func (g *generator) putBlob(tx *bolt.Tx, ns string, dgst digest.Digest, size int64, labels map[string]string) error {
	bkt, err := createBuckets(tx, []byte("v1"), []byte(ns), []byte("content"), []byte("blob"))
	if err != nil {
		return err
	}
	if bkt.Bucket([]byte(dgst.String())) != nil {
		return nil // shared layers are recorded once
	}
	b, err := bkt.CreateBucket([]byte(dgst.String()))
	if err != nil {
		return err
	}
	t := g.at()
	if err := writeTimes(b, t, t); err != nil {
		return err
	}
	if err := writeLabels(b, labels); err != nil {
		return err
	}
	sizeEncoded := make([]byte, binary.MaxVarintLen64)
	return b.Put([]byte("size"), sizeEncoded[:binary.PutVarint(sizeEncoded, size)])
}

func (g *generator) manifest(tx *bolt.Tx, ns, arch string, layers []layer, unpacked bool) (ocispec.Descriptor, digest.Digest, error) {
	diffs := make([]digest.Digest, len(layers))
	descs := make([]ocispec.Descriptor, len(layers))
	for i, l := range layers {
		diffs[i] = l.diffID
		descs[i] = ocispec.Descriptor{MediaType: l.mediaTyp, Digest: l.blob, Size: l.size}
		if err := g.putBlob(tx, ns, l.blob, l.size, map[string]string{"containerd.io/uncompressed": l.diffID.String()}); err != nil {
			return ocispec.Descriptor{}, "", err
		}
	}
	config, _ := json.Marshal(ocispec.Image{
		Architecture: arch,
		OS:           "linux",
		Config: ocispec.ImageConfig{
			Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd:        []string{"/bin/sh", "-c", fmt.Sprintf("exec /app/server-%d", g.rnd.Intn(1000))},
			WorkingDir: "/app",
		},
		RootFS: ocispec.RootFS{Type: "layers", DiffIDs: diffs},
	})
	configDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
	configLabels := map[string]string{}
	if unpacked {
		configLabels["containerd.io/gc.ref.snapshot."+snapshotter] = chain(diffs).String()
	}
	if err := g.putBlob(tx, ns, configDesc.Digest, configDesc.Size, configLabels); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	m, _ := json.Marshal(ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: configDesc, Layers: descs})
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(m), Size: int64(len(m)),
		Platform: &ocispec.Platform{OS: "linux", Architecture: arch}}
	labels := map[string]string{"containerd.io/gc.ref.content.config": configDesc.Digest.String()}
	for i, l := range layers {
		labels[fmt.Sprintf("containerd.io/gc.ref.content.l.%d", i)] = l.blob.String()
	}
	if err := g.putBlob(tx, ns, desc.Digest, desc.Size, labels); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	return desc, configDesc.Digest, nil
}

func (g *generator) image(ctx context.Context, tx *bolt.Tx, store images.Store, ns string, i int, bases []layer) (builtImage, error) {
	layers := []layer{bases[g.rnd.Intn(len(bases))], g.newLayer()}
	name := fmt.Sprintf("registry.example.com/team-%d/service-%d:v%d.%d", i%37, i, g.rnd.Intn(9), g.rnd.Intn(30))
	target, config, err := g.manifest(tx, ns, "amd64", layers, true)
	if err != nil {
		return builtImage{}, err
	}
	if g.rnd.Intn(5) == 0 { // multi-platform: an index over amd64 and arm64
		arm, _, err := g.manifest(tx, ns, "arm64", []layer{layers[0], g.newLayer()}, false)
		if err != nil {
			return builtImage{}, err
		}
		idx, _ := json.Marshal(ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{target, arm}})
		index := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromBytes(idx), Size: int64(len(idx))}
		if err := g.putBlob(tx, ns, index.Digest, index.Size, map[string]string{
			"containerd.io/gc.ref.content.m.0":                       target.Digest.String(),
			"containerd.io/gc.ref.content.m.1":                       arm.Digest.String(),
			"containerd.io/distribution.source.registry.example.com": fmt.Sprintf("team-%d/service-%d", i%37, i),
		}); err != nil {
			return builtImage{}, err
		}
		target = index
	}
	target.Platform = nil
	img := images.Image{Name: name, Target: target, Labels: map[string]string{}}
	if g.rnd.Intn(3) == 0 {
		img.Labels["io.cri-containerd.image"] = "managed"
	}
	if _, err := store.Create(ctx, img); err != nil {
		return builtImage{}, err
	}
	return builtImage{
		name: name, target: target, baseChain: layers[0].diffID,
		chainID: chain([]digest.Digest{layers[0].diffID, layers[1].diffID}), config: config,
	}, nil
}

// -- snapshots ----------------------------------------------------------------------

// putSnapshot writes a snapshot's metadata record as metadata/snapshot.go does, and
// its backend record through containerd's snapshots/storage.
func (g *generator) putSnapshot(tx *bolt.Tx, ns, key, parent string, kind snapshots.Kind, labels map[string]string) error {
	bkt, err := createBuckets(tx, []byte("v1"), []byte(ns), []byte("snapshots"), []byte(snapshotter))
	if err != nil {
		return err
	}
	if bkt.Bucket([]byte(key)) != nil {
		return nil
	}
	sid, err := bkt.NextSequence()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s/%d/%s", ns, sid, key)
	b, err := bkt.CreateBucket([]byte(key))
	if err != nil {
		return err
	}
	if err := b.Put([]byte("name"), []byte(name)); err != nil {
		return err
	}
	if parent != "" {
		pbkt := bkt.Bucket([]byte(parent))
		children, err := pbkt.CreateBucketIfNotExists([]byte("children"))
		if err != nil {
			return err
		}
		if err := children.Put([]byte(key), nil); err != nil {
			return err
		}
		if err := b.Put([]byte("parent"), []byte(parent)); err != nil {
			return err
		}
	}
	t := g.at()
	if err := writeTimes(b, t, t); err != nil {
		return err
	}
	if err := writeLabels(b, labels); err != nil {
		return err
	}
	g.backend[ns+"/"+key] = name
	if g.ms == nil {
		return nil
	}
	bparent := ""
	if parent != "" {
		bparent = g.backend[ns+"/"+parent]
	}
	if kind == snapshots.KindCommitted {
		active := fmt.Sprintf("%s/%d/extract-%d", ns, sid, g.rnd.Int63())
		if _, err := storage.CreateSnapshot(g.msCtx, snapshots.KindActive, active, bparent); err != nil {
			return err
		}
		usage := snapshots.Usage{Inodes: 1 + g.rnd.Int63n(5000), Size: 4096 + g.rnd.Int63n(200<<20)}
		_, err := storage.CommitActive(g.msCtx, active, name, usage)
		return err
	}
	_, err = storage.CreateSnapshot(g.msCtx, kind, name, bparent)
	return err
}

// -- containers -------------------------------------------------------------------

func (g *generator) container(ctx context.Context, tx *bolt.Tx, store containers.Store, ns, id string, img builtImage,
	labels map[string]string, extensions map[string]types.Any, args []string, annotations map[string]string) error {
	c := containers.Container{
		ID:          id,
		Labels:      labels,
		Image:       img.name,
		Snapshotter: snapshotter,
		SnapshotKey: id,
		Runtime:     containers.RuntimeInfo{Name: "io.containerd.runc.v2"},
		Extensions:  extensions,
	}
	spec, err := oci.GenerateSpec(ctx, nil, &c, oci.WithProcessArgs(args...), oci.WithHostname(id[:12]),
		oci.WithEnv([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=" + id[:12]}),
		oci.WithAnnotations(annotations))
	if err != nil {
		return err
	}
	if c.Spec, err = typeurl.MarshalAny(spec); err != nil {
		return err
	}
	opts := &options.Options{}
	if g.rnd.Intn(4) == 0 {
		opts.BinaryName = "/usr/sbin/runc"
		opts.SystemdCgroup = true
	}
	if c.Runtime.Options, err = typeurl.MarshalAny(opts); err != nil {
		return err
	}
	if err := g.putSnapshot(tx, ns, id, img.chainID.String(), snapshots.KindActive, nil); err != nil {
		return err
	}
	_, err = store.Create(ctx, c)
	return err
}

func criMetadata(kind string, v interface{}) types.Any {
	body, _ := json.Marshal(map[string]interface{}{"Version": "v1", "Metadata": v})
	return types.Any{TypeUrl: "github.com/containerd/cri/pkg/store/" + kind + "/Metadata", Value: body}
}

// -- a namespace --------------------------------------------------------------------

func (g *generator) namespace(ctx context.Context, tx *bolt.Tx, mdb *metadata.DB, ns string, cri bool, nContainers, nImages int) error {
	if err := metadata.NewNamespaceStore(tx).Create(ctx, ns, map[string]string{"owner": "bench"}); err != nil {
		return err
	}
	imageStore := metadata.NewImageStore(mdb)
	containerStore := metadata.NewContainerStore(mdb)

	bases := make([]layer, 0, 100)
	for i := 0; i < 100 && i < nImages+1; i++ {
		bases = append(bases, g.newLayer())
	}
	built := make([]builtImage, 0, nImages)
	for i := 0; i < nImages; i++ {
		img, err := g.image(ctx, tx, imageStore, ns, i, bases)
		if err != nil {
			return err
		}
		// the unpacked chain: the base layer's snapshot, then the image's own on top
		base, top := img.baseChain.String(), img.chainID.String()
		if err := g.putSnapshot(tx, ns, base, "", snapshots.KindCommitted,
			map[string]string{"containerd.io/snapshot.ref": base}); err != nil {
			return err
		}
		if err := g.putSnapshot(tx, ns, top, base, snapshots.KindCommitted,
			map[string]string{"containerd.io/snapshot.ref": top}); err != nil {
			return err
		}
		built = append(built, img)
	}
	if len(built) == 0 {
		return nil
	}

	for i := 0; i < nContainers; {
		img := built[g.rnd.Intn(len(built))]
		if !cri {
			id := fmt.Sprintf("%s-app-%05d-%08x", ns, i, g.rnd.Uint32())
			labels := map[string]string{"app": fmt.Sprintf("svc-%d", i%97), "io.containerd.image.config.stop-signal": "SIGTERM"}
			if err := g.container(ctx, tx, containerStore, ns, id, img, labels, nil, []string{"/bin/sh", "-c", "exec /app/server"}, nil); err != nil {
				return err
			}
			i++
			continue
		}
		// a pod: one sandbox (pause) container and up to two app containers
		pod := fmt.Sprintf("web-%05d-%s", i, randomString(g.rnd, 5))
		uid := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.rnd.Uint32(), g.rnd.Intn(1<<16), g.rnd.Intn(1<<16), g.rnd.Intn(1<<16), g.rnd.Int63n(1<<48))
		sandboxID := fmt.Sprintf("%x", sha256.Sum256([]byte(pod)))
		podLabels := map[string]string{
			"io.kubernetes.pod.name": pod, "io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.uid": uid,
		}
		sandboxLabels := map[string]string{"io.cri-containerd.kind": "sandbox"}
		for k, v := range podLabels {
			sandboxLabels[k] = v
		}
		sandboxMeta := map[string]interface{}{
			"ID": sandboxID, "Name": pod + "_default_" + uid + "_0",
			"Config": map[string]interface{}{
				"metadata":      map[string]interface{}{"name": pod, "uid": uid, "namespace": "default", "attempt": 0},
				"hostname":      pod,
				"log_directory": "/var/log/pods/default_" + pod + "_" + uid,
				"labels":        podLabels,
			},
			"NetNSPath": "/var/run/netns/cni-" + uid, "IP": fmt.Sprintf("10.88.%d.%d", i/250%250, i%250+2),
		}
		ext := map[string]types.Any{"io.cri-containerd.sandbox.metadata": criMetadata("sandbox", sandboxMeta)}
		if err := g.container(ctx, tx, containerStore, ns, sandboxID, img, sandboxLabels, ext, []string{"/pause"},
			map[string]string{"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-id": sandboxID}); err != nil {
			return err
		}
		i++
		for j := 0; j < 1+g.rnd.Intn(2) && i < nContainers; j++ {
			name := []string{"app", "sidecar"}[j]
			id := fmt.Sprintf("%x", sha256.Sum256([]byte(pod+name)))
			labels := map[string]string{"io.cri-containerd.kind": "container", "io.kubernetes.container.name": name}
			for k, v := range podLabels {
				labels[k] = v
			}
			meta := map[string]interface{}{
				"ID": id, "Name": name + "_" + pod + "_default_" + uid + "_0", "SandboxID": sandboxID,
				"Config": map[string]interface{}{
					"metadata": map[string]interface{}{"name": name, "attempt": 0},
					"image":    map[string]interface{}{"image": img.config.String()},
					"log_path": name + "/0.log",
				},
				"ImageRef": img.config.String(),
				"LogPath":  "/var/log/pods/default_" + pod + "_" + uid + "/" + name + "/0.log",
			}
			ext := map[string]types.Any{"io.cri-containerd.container.metadata": criMetadata("container", meta)}
			if err := g.container(ctx, tx, containerStore, ns, id, img, labels, ext, []string{"/app/server", "--port=8080"},
				map[string]string{"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": sandboxID,
					"io.kubernetes.cri.container-name": name}); err != nil {
				return err
			}
			i++
		}
	}

	// leases: a few, holding some content and snapshots, some with an expiry
	lm := metadata.NewLeaseManager(mdb)
	for i := 0; i < 1+nContainers/500; i++ {
		labels := map[string]string{"purpose": "pull"}
		if i%2 == 0 {
			labels["containerd.io/gc.expire"] = g.now.Add(24 * time.Hour).Format(time.RFC3339)
		}
		lease, err := lm.Create(ctx, leases.WithID(fmt.Sprintf("pull-%d", i)), leases.WithLabels(labels))
		if err != nil {
			return err
		}
		img := built[g.rnd.Intn(len(built))]
		if err := lm.AddResource(ctx, lease, leases.Resource{ID: img.target.Digest.String(), Type: "content"}); err != nil {
			return err
		}
		if err := lm.AddResource(ctx, lease, leases.Resource{ID: img.chainID.String(), Type: "snapshots/" + snapshotter}); err != nil {
			return err
		}
	}
	return nil
}

func randomString(r *rand.Rand, n int) string {
	const letters = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.Intn(len(letters))]
	}
	return string(b)
}

// -- bolt helpers, as containerd's boltutil writes ------------------------------------

func createBuckets(tx *bolt.Tx, names ...[]byte) (*bolt.Bucket, error) {
	bkt, err := tx.CreateBucketIfNotExists(names[0])
	if err != nil {
		return nil, err
	}
	for _, name := range names[1:] {
		if bkt, err = bkt.CreateBucketIfNotExists(name); err != nil {
			return nil, err
		}
	}
	return bkt, nil
}

func writeTimes(b *bolt.Bucket, created, updated time.Time) error {
	for key, t := range map[string]time.Time{"createdat": created, "updatedat": updated} {
		v, err := t.MarshalBinary()
		if err != nil {
			return err
		}
		if err := b.Put([]byte(key), v); err != nil {
			return err
		}
	}
	return nil
}

func writeLabels(b *bolt.Bucket, labels map[string]string) error {
	if len(labels) == 0 {
		return nil
	}
	lbkt, err := b.CreateBucket([]byte("labels"))
	if err != nil {
		return err
	}
	for k, v := range labels {
		if err := lbkt.Put([]byte(k), []byte(v)); err != nil {
			return err
		}
	}
	return nil
}
