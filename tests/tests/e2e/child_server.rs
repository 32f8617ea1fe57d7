//! Not a test: the entry point of a server in a child process
//! (`immcase_tests::child`), which tests start and kill with SIGKILL. It is
//! ignored, so it runs only when a test starts it by name; started any
//! other way it returns at once.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the entry point of a child server, started by the tests that kill it"]
async fn serve_from_the_environment() {
    immcase_tests::child::serve_from_the_environment().await;
}
