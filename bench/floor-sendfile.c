/*
 * The sendfile floor of a blob pull (bench/floor.ts, issue 20): the least a server can do to send a
 * file over loopback TCP. One connection at a time; per connection, read the request, answer 200 with
 * the file given as argv[1], the body through sendfile(2), then close. It prints the port it listens
 * on (127.0.0.1, a free port) and runs until killed. Not a product: the bench's yardstick.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: floor-sendfile FILE\n"); return 2; }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
    perror("floor-sendfile: listen");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    char req[16384];
    int f = read(c, req, sizeof req) > 0 ? open(argv[1], O_RDONLY) : -1;
    struct stat st;
    if (f >= 0 && fstat(f, &st) == 0) {
      char head[256];
      int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %lld\r\nConnection: close\r\n\r\n", (long long)st.st_size);
      off_t off = 0;
      if (write(c, head, n) == n) {
        while (off < st.st_size && sendfile(c, f, &off, st.st_size - off) > 0) {}
      }
    }
    if (f >= 0) close(f);
    close(c);
  }
}
