package topology

import (
	"strconv"
	"strings"
	"testing"
)

// bigPools are wide enough for 100,000 routers and their links, so that a
// large file is refused for nothing but its size.
const bigPools = "pools: {loopbacks: 10.128.0.0/13, links: 10.0.0.0/12}\n"

// chainFile writes nodes P routers p1..pN joined in a line, the shape that
// fills the P block of the loopback pool and then overflows it.
func chainFile(pools string, nodes int) []byte {
	var b strings.Builder
	b.WriteString(pools)
	b.WriteString("links:\n")
	for i := 1; i < nodes; i++ {
		b.WriteString("  - p" + strconv.Itoa(i) + "-p" + strconv.Itoa(i+1) + "\n")
	}
	return []byte(b.String())
}

// meshFile writes links links among links/5 P routers, each joined to the
// next five, so that the link pool is the one under pressure.
func meshFile(links int) []byte {
	nodes := links / 5
	var b strings.Builder
	b.WriteString(bigPools)
	b.WriteString("links:\n")
	for i := 0; i < nodes; i++ {
		for k := 1; k <= 5; k++ {
			b.WriteString("  - p" + strconv.Itoa(i+1) + "-p" + strconv.Itoa((i+k)%nodes+1) + "\n")
		}
	}
	return []byte(b.String())
}

// benchValidate measures what `intercloud validate` does with a file.
func benchValidate(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateChain50000(b *testing.B)  { benchValidate(b, chainFile(bigPools, 50000)) }
func BenchmarkValidateChain100000(b *testing.B) { benchValidate(b, chainFile(bigPools, 100000)) }

// BenchmarkValidateChain50000DefaultLoopbacks keeps the default /16 of
// loopbacks (8,192 per role block): 41,809 P routers overflow the P block.
func BenchmarkValidateChain50000DefaultLoopbacks(b *testing.B) {
	benchValidate(b, chainFile("pools: {links: 10.0.0.0/12}\n", 50000))
}
func BenchmarkValidateLinks100000(b *testing.B) { benchValidate(b, meshFile(100000)) }
