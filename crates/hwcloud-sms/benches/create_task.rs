//! CPU cost of preparing one SMS CreateTask call, without the network.
//!
//! Two benchmarks over the seed example `spec/examples/sms/create_task.request.s001.json`
//! (parsed once, outside the timed loop):
//!
//! - `sms_create_task/sdk_build_validate_serialize_sign`: what the SDK does before sending:
//!   build the input the way a user does (the clone of the typed body is the "build"),
//!   then `Runtime::presign`, which validates, serializes, fills the path, adds the headers,
//!   signs with `SDK-HMAC-SHA256` and returns the `HttpRequest`.
//! - `sms_create_task/floor_serialize_hash_hmac`: the irreducible work: serialize the body,
//!   SHA-256 of the body, a minimal canonical request, SHA-256 of it, one HMAC-SHA256.
//!
//! Run with `cargo bench -p hwcloud-sms --bench create_task` (or `tools/bench/run.sh`).

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use hwcloud_core::operation::Operation;
use hwcloud_core::{CallOptions, Credentials};
use hwcloud_sms::operations::create_task::CreateTaskInput;
use hwcloud_sms::types::PostTask;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::SystemTime;

const SEED: &str = include_str!("../../../spec/examples/sms/create_task.request.s001.json");
const ENDPOINT: &str = "https://sms.ap-southeast-3.myhuaweicloud.com";
const HOST: &str = "sms.ap-southeast-3.myhuaweicloud.com";
const AK: &str = "BENCHAKEXAMPLE0000000";
const SK: &str = "benchSecretKeyExample0000000000000000000";
const PROJECT_ID: &str = "0000000000000000000000000000bench";

/// Lower-case hex of a 32-byte digest, on the stack (`hex::encode` goes char by char).
fn hex32(digest: &[u8]) -> String {
    let mut buf = [0u8; 64];
    hex::encode_to_slice(digest, &mut buf).expect("a 32-byte digest");
    String::from_utf8(buf.to_vec()).expect("hex is ASCII")
}

/// The floor: the work no signer of this body can avoid.
fn floor(task: &PostTask, sdk_date: &str) -> String {
    let body = serde_json::to_vec(task).expect("the seed body serializes");
    let body_hash = hex32(&Sha256::digest(&body));
    let mut canonical = String::with_capacity(256);
    let _ = write!(
        canonical,
        "POST\n/v3/tasks/\n\ncontent-type:application/json\nhost:{HOST}\nx-sdk-date:{sdk_date}\n\n\
         content-type;host;x-sdk-date\n{body_hash}"
    );
    let canonical_hash = hex32(&Sha256::digest(canonical.as_bytes()));
    let string_to_sign = format!("SDK-HMAC-SHA256\n{sdk_date}\n{canonical_hash}");
    let mut mac = Hmac::<Sha256>::new_from_slice(SK.as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    black_box(body);
    hex32(&mac.finalize().into_bytes())
}

fn bench_create_task(c: &mut Criterion) {
    let task: PostTask = serde_json::from_str(SEED).expect("the seed example parses as PostTask");
    let client = hwcloud_sms::Client::builder()
        .endpoint(ENDPOINT)
        .credentials(Credentials::new(AK, SK).with_project_id(PROJECT_ID))
        .build()
        .expect("the client builds");
    let runtime = client.runtime().clone();

    // Sanity check outside the timed loop: the SDK path produces a signed request.
    let req = runtime
        .presign(
            &CreateTaskInput::builder()
                .body(task.clone())
                .build()
                .expect("the seed example has every required field"),
            CallOptions::default(),
            SystemTime::now(),
        )
        .expect("the seed example presigns");
    assert!(
        req.headers
            .iter()
            .any(|(k, v)| k == "Authorization" && v.starts_with("SDK-HMAC-SHA256 ")),
        "presign must add an SDK-HMAC-SHA256 Authorization header"
    );

    let mut group = c.benchmark_group("sms_create_task");
    group.bench_function("sdk_build_validate_serialize_sign", |b| {
        b.iter(|| {
            let input = CreateTaskInput::builder()
                .body(black_box(&task).clone())
                .build()
                .expect("builds");
            let req = runtime
                .presign(&input, CallOptions::default(), SystemTime::now())
                .expect("presigns");
            black_box(req)
        })
    });
    group.bench_function("floor_serialize_hash_hmac", |b| {
        b.iter(|| {
            let sdk_date = hwcloud_core::signing::format_sdk_date(SystemTime::now());
            black_box(floor(black_box(&task), &sdk_date))
        })
    });
    group.finish();

    // Where the SDK path's time goes, step by step (each step alone, for the report).
    let input = CreateTaskInput::builder()
        .body(task.clone())
        .build()
        .expect("builds");
    let mut parts = c.benchmark_group("sms_create_task_breakdown");
    parts.bench_function("build_clone", |b| {
        b.iter(|| {
            CreateTaskInput::builder()
                .body(black_box(&task).clone())
                .build()
                .expect("builds")
        })
    });
    parts.bench_function("validate", |b| {
        b.iter(|| black_box(&input).validate().expect("valid"))
    });
    parts.bench_function("serialize_to_parts", |b| {
        b.iter(|| black_box(&input).to_parts().expect("serializes"))
    });
    parts.bench_function("presign_prebuilt_skip_validation", |b| {
        let options = CallOptions {
            skip_validation: true,
        };
        b.iter(|| {
            runtime
                .presign(black_box(&input), options, SystemTime::now())
                .expect("presigns")
        })
    });
    let body = serde_json::to_vec(&task).expect("serializes");
    let headers: Vec<(String, String)> = vec![
        ("Host".into(), HOST.into()),
        ("Content-Type".into(), "application/json".into()),
        (
            "X-Sdk-Date".into(),
            hwcloud_core::signing::format_sdk_date(SystemTime::now()),
        ),
        ("X-Project-Id".into(), PROJECT_ID.into()),
    ];
    let secret = hwcloud_core::Secret::from(SK);
    let key = hwcloud_core::signing::SigningKey::new(
        hwcloud_core::signing::Algorithm::HmacSha256,
        &secret,
    );
    let req = hwcloud_core::signing::SignableRequest {
        method: "POST",
        path: "/v3/tasks",
        query: &[],
        headers: &headers,
        body: &body,
    };
    // What the runtime does on each attempt: the Authorization value with a prepared key.
    parts.bench_function("signing_authorization", |b| {
        b.iter(|| key.authorization(AK, None, black_box(&req)).expect("signs"))
    });
    // The same signature keeping every intermediate text (debugging, test vectors).
    parts.bench_function("signing_sign_all_steps", |b| {
        b.iter(|| {
            hwcloud_core::signing::sign(
                hwcloud_core::signing::Algorithm::HmacSha256,
                AK,
                &secret,
                None,
                black_box(&req),
            )
            .expect("signs")
        })
    });
    parts.finish();

    paired(&runtime, &task);
}

/// SDK path and floor timed in alternating batches, so the machine's drift (this is a shared
/// VM) hits both alike; prints the median per-round ratio. `run.sh` uses it for the floor
/// ratio, and runs it alone (a criterion filter that matches nothing, fewer rounds via
/// `HWCLOUD_BENCH_PAIRED_ROUNDS`) between Python runs for the Python ratio.
fn paired(runtime: &hwcloud_core::Runtime, task: &PostTask) {
    let rounds: usize = std::env::var("HWCLOUD_BENCH_PAIRED_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(31);
    const BATCH: u32 = 5_000;
    let sdk_once = || {
        let input = CreateTaskInput::builder()
            .body(black_box(task).clone())
            .build()
            .expect("builds");
        black_box(
            runtime
                .presign(&input, CallOptions::default(), SystemTime::now())
                .expect("presigns"),
        );
    };
    let floor_once = || {
        let sdk_date = hwcloud_core::signing::format_sdk_date(SystemTime::now());
        black_box(floor(black_box(task), &sdk_date));
    };
    let time = |f: &dyn Fn()| {
        let t0 = std::time::Instant::now();
        for _ in 0..BATCH {
            f();
        }
        t0.elapsed().as_secs_f64() * 1e6 / f64::from(BATCH)
    };
    // Warm up both.
    time(&sdk_once);
    time(&floor_once);
    let mut sdk = Vec::with_capacity(rounds);
    let mut flo = Vec::with_capacity(rounds);
    let mut ratio = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let s = time(&sdk_once);
        let f = time(&floor_once);
        sdk.push(s);
        flo.push(f);
        ratio.push(s / f);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("RESULT paired_sdk_us {:.3}", median(&mut sdk));
    println!("RESULT paired_floor_us {:.3}", median(&mut flo));
    println!("RESULT paired_ratio {:.3}", median(&mut ratio));
}

criterion_group!(benches, bench_create_task);
criterion_main!(benches);
