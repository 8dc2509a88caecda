"""News and activities (issue 11): centres write drafts, publish and unpublish in their own
area; the public reads published posts (lists per province and district with a map, a page per
post, RSS and Atom); photos are resized and lose their EXIF location unless it is kept."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from layers.models import NewsPhoto, NewsPost, NewsStatus
from tests.factories import Role, make_officer

pytestmark = pytest.mark.django_db

MUKDAHAN_CITY = ("16.5435", "104.7235")  # 490101, district 4901
NAKHON_PHANOM = ("17.4075", "104.7786")  # 480101
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (16.0, 32.0, 36.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (104.0, 43.0, 24.0),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def phone_photo(name="IMG_0001.jpg", size=(3000, 2000)) -> SimpleUploadedFile:
    """A phone's JPEG: GPS position, the phone's make, turned by its orientation tag."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker-SECRET"
    exif[ExifTags.Base.Orientation] = 6  # stored sideways, shown upright
    exif[ExifTags.IFD.GPSInfo] = GPS
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 90, 40)).save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def login(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def form(point=MUKDAHAN_CITY, area="4901", **changes) -> dict:
    data = {
        "area": area,
        "title": "ลงพื้นที่รับฟังปัญหาชาวบ้าน ต.มุกดาหาร",
        "leader": "นายอำเภอเมืองมุกดาหาร",
        "participants": "ปลัดอำเภอ 3 คน, ผู้ใหญ่บ้าน",
        "activity_date": "2026-11-20",
        "activity_time": "09:30",
        "place_name": "ศาลาประชาคมบ้านโคกยาว",
        "lat": point[0],
        "lon": point[1],
        "body": "ศูนย์ดำรงธรรมอำเภอลงพื้นที่รับฟังปัญหาน้ำท่วมขัง",
    }
    data.update(changes)
    return data


@pytest.fixture
def desk():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


def write(client, **changes):
    return client.post("/news/manage/new/", {**form(**changes), "photos": [phone_photo()]})


def test_a_district_officer_writes_a_draft_that_only_their_centre_sees(desk):
    client = login(desk)
    response = write(client)
    assert response.status_code == 302
    post = NewsPost.objects.get()
    assert post.status == NewsStatus.DRAFT and post.district_id == "4901"
    assert post.province_id == "49" and post.created_by == desk
    photo = post.photos.get()
    # Invisible to the public, to another district and to another province.
    others = [
        Client(),
        login(make_officer(Role.DISTRICT_OFFICER, district="4902")),
        login(make_officer(Role.PROVINCE_OFFICER, province="48")),
        login(make_officer(Role.GOVERNOR, province="49")),
    ]
    for other in others:
        assert other.get(f"/news/post/{post.pk}/").status_code == 404
        assert other.get(f"/news/photos/{photo.pk}/").status_code == 404
        for url in ("/news/", "/news/49/", "/news/4901/", "/news/feed/", "/news/feed/atom/"):
            assert post.title not in other.get(url).content.decode(), url
    # Its own centre previews it, and the province officer of 49 too.
    assert client.get(f"/news/post/{post.pk}/").status_code == 200
    province = login(make_officer(Role.PROVINCE_OFFICER, province="49"))
    assert province.get(f"/news/post/{post.pk}/").status_code == 200
    assert post.title in province.get("/news/manage/").content.decode()


def test_publish_and_unpublish_show_and_hide_the_post_everywhere(desk):
    client = login(desk)
    write(client)
    post = NewsPost.objects.get()
    assert client.post(f"/news/manage/{post.pk}/status/", {"action": "publish"}).status_code == 302
    post.refresh_from_db()
    assert post.status == NewsStatus.PUBLISHED and post.published_at is not None
    public = Client()
    for url in ("/news/", "/news/49/", "/news/4901/"):
        body = public.get(url).content.decode()
        assert post.title in body, url
        assert "news-map" in body  # the list's map
    assert post.title not in public.get("/news/48/").content.decode()
    page = public.get(f"/news/post/{post.pk}/").content.decode()
    for text in (post.title, post.leader, post.participants, post.place_name, post.body):
        assert text in page
    assert "20 พฤศจิกายน 2569" in page  # Buddhist Era
    # RSS and Atom: well-formed, with the post.
    rss = ElementTree.fromstring(public.get("/news/feed/").content)
    assert [i.findtext("title") for i in rss.iter("item")] == [post.title]
    atom = ElementTree.fromstring(public.get("/news/feed/atom/").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in atom.iterfind("a:entry", ns)] == [
        post.title
    ]
    photo = post.photos.get()
    assert public.get(f"/news/photos/{photo.pk}/").status_code == 200
    # Unpublished: gone from the public again.
    client.post(f"/news/manage/{post.pk}/status/", {"action": "unpublish"})
    assert public.get(f"/news/post/{post.pk}/").status_code == 404
    assert public.get(f"/news/photos/{photo.pk}/").status_code == 404
    assert post.title not in public.get("/news/feed/").content.decode()


def _saved(photo: NewsPhoto) -> Image.Image:
    with photo.image.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


def test_photos_are_resized_upright_and_lose_their_exif(desk):
    write(login(desk))
    photo = NewsPost.objects.get().photos.get()
    image = _saved(photo)
    assert image.format == "JPEG"
    # 3000 × 2000 stored sideways (orientation 6): upright 2000 × 3000, fitted within 1600.
    assert image.size == (1067, 1600) == (photo.width, photo.height)
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif and ExifTags.Base.Orientation not in exif
    with photo.image.open("rb") as f:
        raw = f.read()
    assert b"PhoneMaker-SECRET" not in raw and b"Exif" not in raw


def test_the_location_stays_when_kept_on_purpose_and_nothing_else(desk):
    client = login(desk)
    client.post("/news/manage/new/", {**form(), "photos": [phone_photo()], "keep_location": "on"})
    photo = NewsPost.objects.get().photos.get()
    assert photo.kept_location
    exif = _saved(photo).getexif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (16.0, 32.0, 36.0)
    assert ExifTags.Base.Make not in exif


def test_a_bad_form_says_why_in_thai_and_keeps_what_was_typed(desk):
    client = login(desk)
    response = client.post("/news/manage/new/", form(title="", lat="16,5", body="ข้อความที่พิมพ์ไว้"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "ข้อความที่พิมพ์ไว้" in body and "ศาลาประชาคมบ้านโคกยาว" in body
    assert "จำเป็น" in body or "ต้อง" in body  # Thai messages
    assert not NewsPost.objects.exists()
    # Not a photo (checked by content), a place outside the area, an area not theirs.
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    assert client.post("/news/manage/new/", {**form(), "photos": [fake]}).status_code == 400
    assert client.post("/news/manage/new/", form(point=NAKHON_PHANOM)).status_code == 400
    assert client.post("/news/manage/new/", form(area="4801")).status_code == 400
    assert not NewsPost.objects.exists()


def test_only_district_and_province_officers_write_news():
    for role, area in (
        (Role.GOVERNOR, {"province": "49"}),
        (Role.DISTRICT_CHIEF, {"district": "4901"}),
        (Role.GIS_ANALYST, {"province": "49"}),
        (Role.TEAM_MEMBER, {"district": "4901"}),
        (Role.CENTRAL_OFFICER, {}),
    ):
        client = login(make_officer(role, **area))
        assert client.get("/news/manage/").status_code == 403, role
        assert client.post("/news/manage/new/", form()).status_code == 403, role
    anonymous = Client().post("/news/manage/new/", form())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not NewsPost.objects.exists()


def test_another_centre_cannot_change_or_publish_a_post(desk):
    write(login(desk))
    post = NewsPost.objects.get()
    other = login(make_officer(Role.DISTRICT_OFFICER, district="4902"))
    assert other.post(f"/news/manage/{post.pk}/status/", {"action": "publish"}).status_code == 404
    assert other.post(f"/news/manage/{post.pk}/", form(title="changed")).status_code == 404
    post.refresh_from_db()
    assert post.status == NewsStatus.DRAFT and post.title != "changed"
