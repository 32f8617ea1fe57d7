//! A local S3-compatible server for a test (moto's `moto_server`, from PyPI
//! `moto[server]`), with one bucket, and the blob store settings that use
//! it. Without `moto_server` on the PATH a test says so and passes, unless
//! `IMMCASE_TEST_S3=required` (as in CI), where that fails it.

use std::process::{Child, Command, Stdio};

use immcase_host::Config;

use crate::eventually;

/// The bucket every test server uses.
pub const BUCKET: &str = "immcase-files";

/// A local S3 server for one test, stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// Starts a server with the bucket [`BUCKET`]; `None` (after saying so)
    /// when `moto_server` is missing and not required.
    pub async fn start() -> Option<S3Server> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                assert!(
                    std::env::var("IMMCASE_TEST_S3").as_deref() != Ok("required"),
                    "IMMCASE_TEST_S3=required but moto_server cannot start: {e}"
                );
                eprintln!("skipped: no moto_server ({e}); pip install 'moto[server]'");
                return None;
            }
        };
        let server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        let bucket = format!("{}/{BUCKET}", server.endpoint);
        eventually("the S3 server starts and has a bucket", || {
            let (http, bucket) = (http.clone(), bucket.clone());
            async move {
                let made = http.put(&bucket).send().await.ok()?;
                made.status().is_success().then_some(())
            }
        })
        .await;
        Some(server)
    }

    /// Keeps `config`'s file contents in the bucket, under `prefix`.
    pub fn use_in(&self, config: &mut Config, prefix: &str) {
        config.files.blob_store = Some(format!("s3://{BUCKET}/{prefix}"));
        config.files.blob_store_options = [
            ("aws_endpoint", self.endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "testing"),
            ("aws_secret_access_key", "testing"),
            ("aws_region", "us-east-1"),
            ("aws_virtual_hosted_style_request", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    }

    /// The keys in the bucket.
    pub async fn keys(&self) -> Vec<String> {
        let listing = reqwest::get(format!("{}/{BUCKET}?list-type=2", self.endpoint))
            .await
            .expect("the bucket's listing")
            .text()
            .await
            .expect("the listing's text");
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next())
            .map(str::to_string)
            .collect()
    }
}
