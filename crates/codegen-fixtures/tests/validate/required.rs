//! `required` members: present passes, absent fails with the member's path, nested too.

use super::*;
use constraint_required::types::{CreateJobBody, Job, Owner};

fn owner(id: Option<&str>) -> Owner {
    Owner {
        user_id: id.map(str::to_owned),
        ..Default::default()
    }
}

#[test]
fn present_passes() {
    let job = Job::builder().id("j-1").owner(owner(Some("u-1"))).build();
    passes(job.unwrap().validate());
}

#[test]
fn absent_fails() {
    fails(
        Job::default().validate(),
        "id",
        "required",
        "is required but missing",
    );
}

#[test]
fn absent_in_nested_object_fails_with_its_path() {
    let ok = CreateJobBody::builder()
        .name("n")
        .priority(1)
        .owner(owner(Some("u-1")))
        .build()
        .unwrap();
    passes(ok.validate());
    let bad = ok.into_builder().owner(owner(None)).build().unwrap();
    fails(
        bad.validate(),
        "owner.user_id",
        "required",
        "is required but missing",
    );
    let job = Job::builder().id("j").owner(owner(None)).build().unwrap();
    fails(
        job.validate(),
        "owner.user_id",
        "required",
        "is required but missing",
    );
}
