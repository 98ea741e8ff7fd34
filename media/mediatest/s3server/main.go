// Command s3server runs mediatest's S3 protocol server (gofakes3 in
// memory, with bucket policies) as a process of its own, for tests that
// start the real openstream binary and want S3 on the network, not inside
// the test. It prints its base URL on the first line of standard output
// and serves until it is killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/openstream-go/openstream/media/mediatest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mediatest.New()))
}
