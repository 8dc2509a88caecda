"""The department's usual kinds of complaint, with the "เรื่องอื่นๆ" (Other) main category.

Written out here (not imported) so the migration stays the same when the code changes. SLA
days are a starting point that each office edits in the admin.
"""

from django.db import migrations

# (code, name_th, name_en, sla_days, [(code, name_th, name_en), ...])
CATEGORIES = [
    ("land", "ปัญหาที่ดิน", "Land", 60, [
        ("land-public-encroach", "บุกรุกที่ดินสาธารณประโยชน์", "Encroachment on public land"),
        ("land-forest-encroach", "บุกรุกป่าสงวน/ที่ดินของรัฐ", "Encroachment on forest reserve or state land"),
        ("land-private-dispute", "ข้อพิพาทที่ดินระหว่างเอกชน", "Land dispute between private parties"),
        ("land-title", "เอกสารสิทธิ์/ที่ดินทำกิน", "Title deeds and farmland"),
        ("land-boundary", "แนวเขตที่ดิน/ทางสาธารณะ", "Boundaries and public ways"),
    ]),
    ("hardship", "ความเดือดร้อน/ขอความช่วยเหลือ", "Hardship and requests for help", 30, [
        ("hardship-poverty", "ผู้ยากไร้/ขอความช่วยเหลือด้านการดำรงชีพ", "Poverty and living support"),
        ("hardship-housing", "ที่อยู่อาศัย", "Housing"),
        ("hardship-health", "การรักษาพยาบาล", "Health care"),
        ("hardship-elderly-disabled", "ผู้สูงอายุ/ผู้พิการ/ผู้ด้อยโอกาส", "Elderly, disabled and disadvantaged people"),
        ("hardship-welfare", "สวัสดิการและเบี้ยยังชีพ", "Welfare and allowances"),
    ]),
    ("debt", "หนี้สิน", "Debt", 45, [
        ("debt-informal", "หนี้นอกระบบ", "Informal (loan-shark) debt"),
        ("debt-formal", "หนี้ในระบบ", "Formal debt"),
    ]),
    ("dispute", "ข้อพิพาท/ขอความเป็นธรรม", "Disputes and requests for fairness", 30, [
        ("dispute-neighbours", "ข้อพิพาทระหว่างเพื่อนบ้าน", "Dispute between neighbours"),
        ("dispute-family", "ครอบครัว/มรดก", "Family and inheritance"),
        ("dispute-labour", "ค่าจ้าง/แรงงาน", "Wages and labour"),
        ("dispute-contract", "สัญญา/การซื้อขาย", "Contracts and sales"),
    ]),
    ("officials", "ร้องเรียนเจ้าหน้าที่ของรัฐ", "Conduct of state officials", 30, [
        ("officials-misconduct", "ประพฤติมิชอบ/ทุจริต", "Misconduct or corruption"),
        ("officials-neglect", "ละเลยหรือล่าช้าในการปฏิบัติหน้าที่", "Neglect or delay of duty"),
        ("officials-service", "การให้บริการ/พฤติกรรม", "Service and behaviour"),
    ]),
    ("utilities", "สาธารณูปโภค/โครงสร้างพื้นฐาน", "Public utilities and infrastructure", 30, [
        ("utilities-roads", "ถนน/สะพาน/ทางระบายน้ำ", "Roads, bridges and drains"),
        ("utilities-electricity", "ไฟฟ้า/ไฟฟ้าส่องสว่าง", "Electricity and street lights"),
        ("utilities-water", "น้ำประปา/แหล่งน้ำ", "Water supply and water sources"),
        ("utilities-telecom", "โทรศัพท์/อินเทอร์เน็ต", "Telephone and internet"),
    ]),
    ("nuisance", "เหตุเดือดร้อนรำคาญ/สิ่งแวดล้อม", "Nuisance and environment", 15, [
        ("nuisance-noise", "เสียงดัง", "Noise"),
        ("nuisance-smell-smoke", "กลิ่น/ควัน/ฝุ่นละออง", "Smell, smoke and dust"),
        ("nuisance-waste", "ขยะ/น้ำเสีย", "Waste and wastewater"),
        ("nuisance-animals", "สัตว์เลี้ยง/สัตว์จรจัด", "Pets and stray animals"),
    ]),
    ("disaster", "สาธารณภัย", "Disasters", 7, [
        ("disaster-flood", "อุทกภัย", "Flood"),
        ("disaster-drought", "ภัยแล้ง", "Drought"),
        ("disaster-storm", "วาตภัย", "Storm"),
        ("disaster-fire", "อัคคีภัย", "Fire"),
    ]),
    ("vice", "ยาเสพติด/อบายมุข", "Drugs and vice", 30, [
        ("vice-drugs", "ยาเสพติด", "Drugs"),
        ("vice-gambling", "การพนัน", "Gambling"),
        ("vice-venues", "สถานบริการ/สถานบันเทิง", "Entertainment venues"),
    ]),
    ("consumer", "คุ้มครองผู้บริโภค/ถูกหลอกลวง", "Consumer protection and fraud", 30, [
        ("consumer-goods", "สินค้าและบริการ", "Goods and services"),
        ("consumer-fraud", "ฉ้อโกง/หลอกลวง/แชร์ลูกโซ่", "Fraud and pyramid schemes"),
    ]),
]
# Main category for anything else: the sub-category is written in words, so it has none.
OTHER = ("other", "เรื่องอื่นๆ", "Other", 30)


def seed(apps, schema_editor):
    Category = apps.get_model("layers", "Category")
    for order, (code, th, en, sla, children) in enumerate(CATEGORIES, start=1):
        main, _ = Category.objects.update_or_create(
            code=code, defaults={"name_th": th, "name_en": en, "sla_days": sla, "sort_order": order}
        )
        for sub_order, (sub_code, sub_th, sub_en) in enumerate(children, start=1):
            Category.objects.update_or_create(
                code=sub_code,
                defaults={"parent": main, "name_th": sub_th, "name_en": sub_en, "sort_order": sub_order},
            )
    code, th, en, sla = OTHER
    Category.objects.update_or_create(
        code=code,
        defaults={"name_th": th, "name_en": en, "sla_days": sla, "sort_order": 99, "is_other": True},
    )


def unseed(apps, schema_editor):
    apps.get_model("layers", "Category").objects.filter(parent__isnull=False).delete()
    apps.get_model("layers", "Category").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
