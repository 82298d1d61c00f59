"""Every dump shape and marker of the format guide, one small invented page each, checked field by field."""
from pathlib import Path

import pytest

from ingest.model import count_words
from ingest.parse import parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages"
ART = "https://www.jungewelt.de/artikel/"


def record(**fields):
    """The full expected record: every field the case does not name is empty."""
    full = {
        "url": None, "title": None, "kicker": None, "teaser": None, "published": None,
        "print_edition_date": None, "print_page": None, "section": None, "page_kind": None,
        "authors": [], "author_place": None, "dateline": None, "agencies": [], "image": None,
        "caption": None, "paywalled": None, "article_length": None, "shape": None,
    }
    unknown = set(fields) - set(full) - {"body", "body_starts", "body_ends"}
    assert not unknown, unknown
    full.update(fields)
    return full


# fixture → (parse arguments, expected record). `body` is exact; long bodies give their first/last words.
CASES = {
    # --- S1: masthead → header → headline block → body → footer/paywall ----------------------------
    "s1_d2_banner_weekday.txt": ({"url": ART + "301234.wahlkampf-im-nebel.html"}, record(
        url=ART + "301234.wahlkampf-im-nebel.html", shape="S1",
        title="Wahlkampf im Nebel",
        teaser="Opposition in Ruritanien klagt über Behinderungen. Regierung verweist auf Sicherheitslage",
        published="2016-06-28", print_edition_date="2016-06-28", print_page=7, section="Ausland",
        page_kind="print", authors=["Karla Beispiel"], paywalled=False,
        body="Vier Wochen vor der Parlamentswahl in Ruritanien häufen sich die Beschwerden der Opposition. "
             "Kundgebungen würden kurzfristig verboten, Plakate über Nacht entfernt, berichteten Vertreter des "
             "Linksbündnisses am Montag in der Hauptstadt.\n\n"
             "Die Regierung weist die Vorwürfe zurück. Man müsse die Sicherheit der Bürger gewährleisten, erklärte "
             "ein Sprecher des Innenministeriums. Beobachter der OSZE wollen in der kommenden Woche eintreffen.",
    )),
    "s1_d1_kicker_weekend_p2.txt": ({}, record(
        shape="S1", kicker="Jugoslawienkrieg", title="Bomben auf Belgrad",
        teaser="Vor 20 Jahren begann die NATO ihren Krieg gegen Jugoslawien. Eine Rückschau",
        published="2019-03-24", print_edition_date="2019-03-24", print_page=12, section="Thema",
        page_kind="print", authors=["Peter Beispielmann"], image="RTROPS0.jpg",
        caption="Rauch über der Stadt: Nach einem Luftangriff im April 1999",
        paywalled=True, article_length=18734,
        # the `(jW)` closing the editorial note is not the trailing marker (§7)
        body="Dieser Text erschien zuerst im Frühjahr 2009 in einer Beilage und wird hier leicht gekürzt "
             "dokumentiert. (jW)\n\n"
             "Am Abend des 24. März 1999 heulten in Belgrad die Sirenen. Wenige Minuten später schlugen die ersten "
             "Marschflugkörper ein. Die Bundesrepublik beteiligte sich erstmals seit 1945 wieder an einem Krieg ...",
    )),
    "s1_beilage_section0.txt": ({"url": "https://www.jungewelt.de/beilage/art/263469"}, record(
        url="https://www.jungewelt.de/beilage/art/263469", shape="S1",
        title="Lesen gegen das Vergessen",
        teaser="Eine Buchhandlung in Magdeburg lädt seit zehn Jahren zu antifaschistischen Lesungen",
        published="2007-03-14", print_edition_date="2007-03-14", print_page=2, section="0",
        page_kind="beilage", authors=["Gisela Probe"], paywalled=False,
        body_starts="Jeden ersten Dienstag im Monat wird es eng zwischen den Regalen.",
        body_ends="Inzwischen kommen oft mehr als sechzig Menschen, viele von ihnen Schüler.",
    )),
    "s1_d3_blog.txt": ({"url": "https://www.jungewelt.de/blogs/wir-veraendern-die-welt/1234"}, record(
        url="https://www.jungewelt.de/blogs/wir-veraendern-die-welt/1234", shape="S1",
        title="Debatte. Wer organisiert die Jugend in den Betrieben?.",
        published="2021-05-03T10:15:00+02:00", section="Wir verändern die Welt", page_kind="blog",
        authors=["Jonas Beispiel"], paywalled=False,
        body="Auf dem Treffen am Wochenende ging es vor allem um eine Frage: Wie erreichen wir Auszubildende, die "
             "noch nie mit einer Gewerkschaft zu tun hatten?\n\n"
             "Die Antworten fielen unterschiedlich aus. Einige setzen auf Betriebsgruppen, andere auf "
             "Veranstaltungen in Berufsschulen.",
    )),
    "s1_d3_blog.txt#nourl": ({}, record(
        shape="S1", title="Debatte. Wer organisiert die Jugend in den Betrieben?.",
        published="2021-05-03T10:15:00+02:00", section="Wir verändern die Welt", page_kind="blog",
        authors=["Jonas Beispiel"], paywalled=False,
        body_starts="Auf dem Treffen am Wochenende", body_ends="Veranstaltungen in Berufsschulen.",
    )),
    "s1_d4_uhr_rlk.txt": ({"url": "https://jungewelt.de/rlk/de/article/254578.der-frieden.html"}, record(
        url="https://jungewelt.de/rlk/de/article/254578.der-frieden.html", shape="S1",
        title="»Der Frieden muss organisiert werden«",
        teaser="Rede auf der Internationalen Rosa-Luxemburg-Konferenz 2015",
        published="2021-01-14T10:12:00+01:00", page_kind="other",
        caption="Anna Beispiel, Karl Muster und Lena Probe", paywalled=False,
        body_starts="Liebe Freundinnen und Freunde, ich danke euch für die Einladung.",
        body_ends="Dagegen hilft nur Organisation.",
    )),
    "s1_d2_seite0_star.txt": ({}, record(
        shape="S1", title="Der Jahrhundertroman", published="2000-12-30", print_edition_date="2000-12-30",
        print_page=0, section="Feuilleton", page_kind="print", authors=["Hans Beispiel"], paywalled=False,
        body="Wir dokumentieren einen Vortrag, der am Donnerstag in Leipzig gehalten wurde. (jW)\n\n"
             "Kein Buch hat die Debatten dieses Jahres so bestimmt wie jener dicke Roman über eine Familie im "
             "Ruhrgebiet. Er erzählt von drei Generationen, von Zechen, Streiks und Umzügen.\n\n"
             "* Der Autor ist Literaturwissenschaftler und lebt in Leipzig.",
    )),
    "s1_d1_dateline_promo.txt": ({}, record(
        shape="S1", title="Verband streicht Zuschüsse", published="2016-06-28",
        print_edition_date="2016-06-28", print_page=16, section="Sport", page_kind="print",
        dateline="Frankfurt am Main", agencies=["SID", "jW"], paywalled=False,
        body="Der Deutsche Fußball-Bund kürzt die Mittel für den Amateurbereich um ein Fünftel. Das teilte der "
             "Verband am Montag mit. Vereine kritisierten die Entscheidung scharf.",
    )),
    "s1_d1_kicker_gaza.txt": ({}, record(
        shape="S1", kicker="Palästina", title="Nacht der Luftangriffe", published="2023-10-09",
        print_edition_date="2023-10-09", print_page=1, section="Ausland", page_kind="print",
        dateline="Gaza-Stadt", agencies=["Reuters", "AFP", "jW"], paywalled=False,
        body="In der Nacht zum Sonntag sind nach Angaben der Behörden in Gaza mindestens 40 Menschen getötet "
             "worden. Zahlreiche Wohnhäuser wurden zerstört.",
    )),
    "s1_d1_telaviv.txt": ({}, record(
        shape="S1", title="Generalstreik angekündigt", published="2023-11-10", print_edition_date="2023-11-10",
        print_page=1, section="Ausland", page_kind="print", dateline="Tel Aviv",
        agencies=["AFP", "dpa", "jW"], paywalled=False,
        body="Der Gewerkschaftsverband Histadrut hat für Montag einen landesweiten Streik angekündigt. Betroffen "
             "seien Häfen, Flughäfen und Behörden, hieß es.",
    )),
    "s1_no_byline_no_teaser.txt": ({}, record(
        shape="S1", title="Neue Klage gegen Mietendeckel", published="2018-05-15",
        print_edition_date="2018-05-15", print_page=5, section="Inland", page_kind="print", paywalled=False,
        body="Seit Monaten liegt der Entwurf im Ausschuss, ohne dass sich etwas bewegt. Die Fraktionen schieben "
             "sich gegenseitig die Verantwortung zu.\n\n"
             "Nun wollen Vermieterverbände vor das Verfassungsgericht ziehen, noch bevor das Gesetz beschlossen ist.",
    )),
    # --- S2: the header is the first line ---------------------------------------------------------
    "s2_d2_p4.txt": ({}, record(
        shape="S2", title="Leiharbeit ohne Ende",
        teaser="Gewerkschaft legt Studie zu Befristungen in der Logistik vor",
        published="2009-03-12", print_edition_date="2009-03-12", print_page=4, section="Inland",
        page_kind="print", authors=["Ulla Beispiel"], paywalled=True, article_length=4210,
        body="In den Lagern großer Versandhändler arbeitet inzwischen fast jeder Dritte über eine Verleihfirma. Das "
             "geht aus einer Untersuchung hervor, die am Mittwoch in Berlin vorgestellt wurde. Die Autoren sprechen "
             "von einer ...",
    )),
    "s2_d1_doubled_marker.txt": ({}, record(
        shape="S2", title="Wahlbeteiligung auf Rekordtief", published="2012-11-02",
        print_edition_date="2012-11-02", print_page=6, section="Ausland", page_kind="print",
        dateline="Tegucigalpa", agencies=["AP", "jW"], paywalled=False,
        body="Bei der Regionalwahl haben nach offiziellen Angaben weniger als 30 Prozent der Berechtigten ihre "
             "Stimme abgegeben. Die Opposition sprach von einem Misstrauensvotum gegen die Regierung.",
    )),
    # a D1 header, then the title in the same block and a body opening with a dateline: no kicker
    "s2_d1_title_then_dateline.txt": ({}, record(
        shape="S2", title="Kein Umzug geplant", published="2006-09-05", print_edition_date="2006-09-05",
        print_page=5, section="Inland", page_kind="print", dateline="Bonn", agencies=["dpa", "jW"],
        paywalled=False,
        body="Die Bundesanstalt für Sortierwesen bleibt in ihrer Stadt. Das teilte ein Sprecher am Montag auf "
             "Anfrage mit, ein Umzug in die Hauptstadt sei nicht vorgesehen.",
    )),
    # --- S3: compact, byline glued to the first body word ----------------------------------------
    "s3_plain_p1.txt": ({}, record(
        shape="S3", title="Kein Frieden in Sicht",
        teaser="Warschau setzt auf Aufrüstung, die Opposition schweigt dazu",
        authors=["Reinhard Lauterbach"], paywalled=True, article_length=5234,
        body="Während in Brüssel über Waffenstillstände geredet wird, hat die polnische Regierung am Dienstag ein "
             "weiteres Rüstungspaket beschlossen. Es umfasst Panzer, Haubitzen und Munition im Wert von mehreren "
             "Milliarden Złoty. Im Parlament gab es kaum Widerspruch ...",
    )),
    "s3_name_city_p3.txt": ({}, record(
        shape="S3", title="Zucker für die Welt", teaser="Kubas Ernte fällt besser aus als erwartet",
        authors=["Volker Hermsdorf"], author_place="Havanna", paywalled=True, article_length=3870,
        body="Das Landwirtschaftsministerium in Havanna meldet für die laufende Saison einen Zuwachs von zwölf "
             "Prozent. Trotz Treibstoffmangels seien die meisten Zuckermühlen in Betrieb gegangen, hieß es am "
             "Montag. ...",
    )),
    "s3_agency_city_p1.txt": ({}, record(
        # the byline agency `(AFP)` is not a trailing marker (§7)
        shape="S3", title="Haushaltsstreit in Washington", authors=["Karl Beispiel"],
        author_place="Washington", paywalled=True, article_length=2950,
        body="Der US-Kongress hat sich in der Nacht zum Freitag nicht auf einen Übergangshaushalt geeinigt. "
             "Hunderttausenden Bundesbediensteten droht damit ein Zwangsurlaub ohne Bezahlung ...",
    )),
    "s3_interview_p2.txt": ({}, record(
        shape="S3", title="»Die Mieten fressen die Löhne auf«",
        teaser="Mieterverein fordert bundesweiten Mietendeckel. Ein Gespräch mit Mara Beispiel",
        authors=["Jan Beispiel"], paywalled=True, article_length=6120,
        body="Mara Beispiel ist Sprecherin des Mietervereins in Leipzig\n\n"
             "F: In Leipzig sind die Angebotsmieten im vergangenen Jahr um zehn Prozent gestiegen. Was bedeutet das "
             "für Ihre Mitglieder?\n\n"
             "Viele zahlen inzwischen mehr als die Hälfte ihres Einkommens für die Wohnung. Wer umziehen muss, "
             "findet oft nichts ...",
    )),
    "s3_interview_city_p1.txt": ({}, record(
        shape="S3", title="»Wir lassen uns nicht spalten«",
        teaser="Beschäftigte eines Zulieferers wehren sich gegen Werksschließung. Ein Gespräch mit Lea Probe",
        authors=["Kristian Muster"], author_place="Köln", paywalled=True, article_length=5480,
        body="Lea Probe ist Betriebsratsvorsitzende bei einem Autozulieferer in Köln-Niehl\n\n"
             "F: Der Konzern will das Werk Ende des Jahres schließen. Wie reagiert die Belegschaft? ...",
    )),
    "s3_star_bio_p3.txt": ({}, record(
        shape="S3", title="»Der Staat schaut weg«", teaser="Gespräch. Über rechte Netzwerke in der Polizei",
        authors=["Nina Beispiel"], paywalled=True, article_length=7011,
        body="Tom Probe ist Vorsitzender eines Vereins, der Betroffene rechter Gewalt berät\n\n"
             "F: Seit Jahren werden immer neue Chatgruppen von Polizisten bekannt. Warum ändert sich so wenig? ...",
    )),
    "s3_trap_promo.txt": ({}, record(
        # the body opens with another person's name: the byline ends at the first glue (§4)
        shape="S3", title="Mit dem Rücken zur Wand",
        teaser="Washington verschärft die Blockade. Havanna setzt auf neue Partner",
        authors=["André Scheer"], paywalled=True, article_length=4480,
        body="Volker Hermsdorf nimmt in seinem neuen Buch die Geschichte der Blockade unter die Lupe. Die Bilanz ist "
             "verheerend ...",
    )),
    "s3_trap_promo.txt#known": ({"known_authors": frozenset({"André Scheer", "Volker Hermsdorf"})}, record(
        shape="S3", title="Mit dem Rücken zur Wand",
        teaser="Washington verschärft die Blockade. Havanna setzt auf neue Partner",
        authors=["André Scheer"], paywalled=True, article_length=4480,
        body_starts="Volker Hermsdorf nimmt in seinem neuen Buch", body_ends="Die Bilanz ist verheerend ...",
    )),
    "s3_pasolini_p2.txt": ({}, record(
        # a teaser opening with `Von …` is not a byline (§3)
        shape="S3", title="Die Nachkriegsjahre auf der Leinwand",
        teaser="Von Pasolini, Fellini und Visconti: Eine Werkschau in Bologna erinnert an das italienische Kino",
        authors=["Kai Mustermann"], paywalled=True, article_length=5020,
        body="In der Cineteca di Bologna laufen seit dieser Woche mehr als vierzig Filme aus den Jahren 1945 bis "
             "1965. Viele Kopien wurden eigens restauriert ...",
    )),
    "s3_known_author_p1.txt": ({"known_authors": frozenset({"Lisa DeLuca"})}, record(
        shape="S3", title="Streik am Hafen", authors=["Lisa DeLuca"], paywalled=True, article_length=3120,
        body="Die Hafenarbeiter in Genua haben am Morgen die Arbeit niedergelegt. Sie protestieren gegen "
             "Waffenlieferungen, die über den Hafen abgewickelt werden ...",
    )),
    "s3_unicode_name_p1.txt": ({}, record(
        shape="S3", title="Wahlkampf am Bosporus", teaser="Opposition mobilisiert in den Vorstädten",
        authors=["Aylin Yıldız"], author_place="Istanbul", paywalled=True, article_length=3999,
        body="Şimdi heißt die Parole auf den Plakaten: jetzt. Die Oppositionspartei will vor allem junge Wähler "
             "erreichen ...",
    )),
    "s3_beilage_promo_cut.txt": ({"url": "https://www.jungewelt.de/loginFailed.php?ref=%2Fbeilage%2Fart%2F263470"}, record(
        # cut by the corpus at ~2000 characters, mid-word: the end is not visible (§11)
        url="https://www.jungewelt.de/loginFailed.php?ref=%2Fbeilage%2Fart%2F263470", shape="S3",
        title="Sechzig Jahre Alphabetisierung",
        teaser="Wie eine Kampagne das Land veränderte. Erinnerungen von Lehrern und Schülern",
        page_kind="beilage", authors=["Maria Beispiel"], author_place="Santiago", paywalled=None,
        body_starts="Als die Brigaden im Frühjahr 1961 aufbrachen, waren viele von ihnen kaum älter als fünfzehn "
                    "Jahre. Sie zogen in die Berge,",
        body_ends="lebten bei Bauernfamilien und unterrichteten abends beim Lich",
    )),
    # --- S4: compact, `Von` byline on its own line -----------------------------------------------
    "s4_von_p5.txt": ({}, record(
        shape="S4", title="Die Rückkehr der Wohnungsnot", authors=["Tom Beispiel"], paywalled=True,
        article_length=8120,
        body="Wer in München eine Wohnung sucht, braucht Geduld und Geld. Auf eine Besichtigung in Schwabing kamen "
             "am Sonnabend mehr als hundert Interessenten ...",
    )),
    "s4_von_und.txt": ({}, record(
        shape="S4", title="Schulstreik für das Klima", teaser="Tausende Schüler demonstrieren in Hamburg",
        authors=["Anna Probe", "Ben Muster"], paywalled=False,
        body="Am Freitag vormittag blieben in Hamburg viele Klassenzimmer leer. Nach Angaben der Veranstalter "
             "zogen mehr als 8.000 Schülerinnen und Schüler durch die Innenstadt.\n\n"
             "Die Schulbehörde hatte zuvor mit Konsequenzen gedroht. Eingetragen wurden am Ende nur wenige "
             "Fehlstunden.",
    )),
    "s4_von_slash.txt": ({}, record(
        shape="S4", title="Gericht kippt Versammlungsverbot", authors=["Anna Probe", "Ben Muster"],
        paywalled=None,
        body="Das Verwaltungsgericht hat das Verbot einer Kundgebung vor dem Rathaus aufgehoben. Die Begründung "
             "der Stadt sei nicht tragfähig, entschieden die Richter am Donnerstag. Die Veranstalter kündigten an, "
             "die Kundgebung wie geplant abzuhal",
    )),
    # --- S5: title (+ teaser) + body, no byline ----------------------------------------------------
    "s5_berlin_dpa.txt": ({}, record(
        shape="S5", title="Berlin: Tausende bei Mieterdemo", dateline="Berlin", agencies=["dpa", "jW"],
        paywalled=False,
        body="Mehrere tausend Menschen haben am Sonnabend in Berlin gegen steigende Mieten demonstriert. Die "
             "Polizei sprach von 6.000 Teilnehmern, die Veranstalter von mehr als 10.000.",
    )),
    "s5_berlin_jw.txt": ({}, record(
        # no header line: the section is the one the `Mehr aus:` footer names (§9)
        shape="S5", title="Berlin: Kundgebung vor dem Kanzleramt", dateline="Berlin", agencies=["jW"],
        section="Inland", paywalled=False,
        body="Rund 300 Menschen haben am Mittwoch vor dem Kanzleramt ein Ende der Waffenexporte gefordert. "
             "Aufgerufen hatte ein Bündnis aus Friedensgruppen.",
    )),
    "s5_teaser_gaza.txt": ({}, record(
        shape="S5", title="Hilfskonvoi erreicht Norden", teaser="UN: Lage der Zivilbevölkerung bleibt katastrophal",
        dateline="Gaza-Stadt", agencies=["AFP", "dpa", "jW"], paywalled=False,
        body="Erstmals seit Wochen hat ein Konvoi mit Lebensmitteln den Norden des Gazastreifens erreicht. Die "
             "Vereinten Nationen sprachen von einem Tropfen auf den heißen Stein.",
    )),
    "s5_75fuer75_jw.txt": ({}, record(
        shape="S5", title="Streik bei der Bahn beendet", teaser="Lokführer und Konzern einigen sich auf Tarifvertrag",
        agencies=["jW"], paywalled=False,
        body="Der Streik bei der Deutschen Bahn ist beendet. Gewerkschaft und Konzern verständigten sich in der "
             "Nacht auf einen neuen Tarifvertrag mit einer Laufzeit von zwei Jahren.",
    )),
    "s5_frankfurt_reuters.txt": ({}, record(
        shape="S5", title="Leitzins bleibt unverändert", dateline="Frankfurt am Main",
        agencies=["Reuters", "AFP", "jW"], paywalled=False,
        body="Die Europäische Zentralbank hat den Leitzins am Donnerstag nicht angetastet. Ökonomen hatten mit "
             "dieser Entscheidung gerechnet.",
    )),
    "s5_no_teaser.txt": ({}, record(
        # a first paragraph is not a teaser; `(Ende)` is text, not a source marker
        shape="S5", title="Mehr Geld für Pflegekräfte", paywalled=False,
        body="Die Beschäftigten der städtischen Kliniken erhalten ab Juli mehr Lohn. Darauf einigten sich Verdi und "
             "die Arbeitgeber am Dienstag nach zähen Verhandlungen.\n\n"
             "Die Gewerkschaft sprach von einem Teilerfolg. Die Verhandlungen gehen im Herbst weiter. (Ende)",
    )),
    # --- S6: ` date …` corpus prefix, no title ------------------------------------------------------
    "s6_day_caption_p1.txt": ({"url": "https://www.jungewelt.de/2019/03-05/011.php"}, record(
        url="https://www.jungewelt.de/2019/03-05/011.php", shape="S6", published="2019-03-05",
        caption="Schwierige Nachbarschaft: Der Präsident und sein Vorgänger (Foto: Montage: jW)",
        paywalled=True, article_length=3310,
        body="Die Regierung in Caracas hat am Montag den Botschafter eines Nachbarlandes einbestellt. Hintergrund "
             "sind Äußerungen über einen möglichen Machtwechsel ...",
    )),
    "s6_day_caption_foto.txt": ({}, record(
        shape="S6", published="2019-03-05",
        caption="Schwierige Nachbarschaft: Der Präsident und sein Vorgänger. Foto: Montage: jW",
        paywalled=True, article_length=3310,
        body_starts="Die Regierung in Caracas hat am Montag", body_ends="einen möglichen Machtwechsel ...",
    )),
    "s6_month_archiv_mme.txt": ({}, record(
        shape="S6", published="2019-03", caption="jW-Archiv", agencies=["mme"], paywalled=False,
        body="Vor 150 Jahren wurde in einem Dorf bei Breslau ein Mann geboren, der später zu den bekanntesten "
             "Arbeiterdichtern des Landes zählen sollte. Seine Gedichte wurden in Fabriken auswendig gelernt.\n\n"
             "Heute ist er fast vergessen. Eine neue Ausgabe seiner Werke soll das ändern.",
    )),
    "s6_dots_null.txt": ({}, record(
        # ends in `...` without any paywall text: unknown (§8)
        shape="S6", published="2020-01-15", paywalled=None,
        body="Die Beschäftigten des Klinikums fordern mehr Personal und kündigen Warnstreiks an ...",
    )),
    # --- S7: bare body ---------------------------------------------------------------------------
    "s7_bare_cut.txt": ({}, record(
        shape="S7", paywalled=None,
        body="Die Versammlung begann mit einer Schweigeminute für die Opfer des Grubenunglücks. Danach ergriff der "
             "Vorsitzende der Bergarbeitergewerkschaft das Wort.\n\n"
             "Er forderte schärfere Kontrollen und eine unabhängige Untersuchungskommission. Die Betreiberfirma habe "
             "Warnungen der Beschäftigten seit Monaten ignoriert, sagte er unter dem Beifall der Anwesenden. Die "
             "Regierung kündigte eine Überprüfung al",
    )),
    "s7_bare_dots.txt": ({}, record(
        shape="S7", paywalled=None,
        body="Wochenlang hatten die Beschäftigten des Versandzentrums über die Hitze in den Hallen geklagt. Nun hat "
             "das Gewerbeaufsichtsamt reagiert ...",
    )),
    # no header: the section comes from `Mehr aus:` after the newsletter block and before the related list
    "s4_von_more_from_section.txt": ({}, record(
        shape="S4", title="Streit um Tarife", teaser="Beschäftigte der Zuckerindustrie wollen mehr Geld",
        authors=["Erika Beispiel"], section="Kapital & Arbeit", paywalled=False,
        body="Die Verhandlungen sind am Dienstag gescheitert. Nun droht ein Ausstand in allen Betrieben der "
             "Branche, erklärte die Gewerkschaft.",
    )),
    "s7_bare_complete.txt": ({}, record(
        shape="S7", section="Ausland", paywalled=False,
        body="Die Versammlung begann mit einer Schweigeminute für die Opfer des Grubenunglücks. Danach ergriff der "
             "Vorsitzende der Bergarbeitergewerkschaft das Wort.\n\n"
             "Er forderte schärfere Kontrollen und eine unabhängige Untersuchungskommission.",
    )),
}

# Boilerplate that must never reach a body, whatever the shape.
BOILERPLATE = (
    "Gegründet 1947", "GenossInnen", "Artikel-Länge", "Zeichen\n", "Uneingeschränkter Zugriff", "Dein Abo zählt",
    "Online-Abo", "Bitte einloggen", "Einlog-Problemen", "Abo abschließen", "Dieser Beitrag ist gesperrt",
    "Unverzichtbar", "Zum Aufrufen dieser Seite", "Zur aktuellen Ausgabe", "Alle Inhalte ohne Einschränkung",
    "Weitere Aboangebote", "links & bündig", "Newsletter", "Mehr aus", "vom 28.06.2016", "75 für 75",
    "10 Wochen junge Welt", "Drei Wochen lang gratis", "Heute 8 Seiten extra", "75 Ausgaben",
    "Jetzt zwei Wochen gratis", "Rosa-Luxemburg-Konferenz am", "Printabo", "Geschenkabo", "41,80",
)


def _parse(case):
    kwargs, _ = CASES[case]
    return parse_page((PAGES / case.split("#")[0]).read_bytes(), **kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_record(case):
    article = _parse(case)
    expected = CASES[case][1]
    got = article.to_dict()
    for name, value in expected.items():
        if name in ("body", "body_starts", "body_ends"):
            continue
        assert got[name] == value, f"{case}: {name}"
    body = article.body_markdown
    if "body" in expected:
        assert body == expected["body"]
    if "body_starts" in expected:
        assert body.startswith(expected["body_starts"])
    if "body_ends" in expected:
        assert body.endswith(expected["body_ends"])
    assert article.word_count == count_words(body)


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_boilerplate_in_body(case):
    body = _parse(case).body_markdown
    for marker in BOILERPLATE:
        assert marker not in body, f"{case}: {marker!r} in body"


@pytest.mark.parametrize("case", sorted(CASES))
def test_head_lines_not_in_body(case):
    """Title, teaser, byline, dateline, image and caption are fields, not body text."""
    article = _parse(case)
    body = article.body_markdown
    for value in (article.title, article.teaser, article.kicker, article.image, article.caption):
        if value:
            assert value not in body, f"{case}: {value!r}"
    if article.dateline:
        assert not body.startswith(article.dateline)
    if article.agencies:
        assert not body.rstrip().endswith(")")


def test_every_fixture_has_a_case():
    named = {case.split("#")[0] for case in CASES}
    on_disk = {path.name for path in PAGES.glob("s*.txt")}
    assert on_disk == named


def test_word_count_of_a_known_body():
    article = _parse("s5_berlin_dpa.txt")
    assert article.word_count == 24  # 6.000 and 10.000 are one word each


def test_loginfailed_url_kept_as_given():
    article = _parse("s3_beilage_promo_cut.txt")
    assert article.url.startswith("https://www.jungewelt.de/loginFailed.php")
