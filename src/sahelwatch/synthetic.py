"""SYNTHETIC event data in the UCDP GED CSV layout, for scale tests and benchmarks only.

Nothing this module writes is real. Every row is drawn from random numbers: the events, actors,
fatalities, sources and headlines are invented. Only the *shape* is realistic:

* the 49 GED columns, in UCDP's order and value formats (those of the UCDP Candidate CSV export:
  ``YYYY-MM-DD 00:00:00.000`` dates, 6-decimal coordinates, ``true``/``false``, minimal quoting,
  ``""`` for some empty text columns, multi-source ``source_*`` fields with embedded line breaks);
* real Gleditsch-Ward country ids and UCDP country names, with events spread over countries and
  years 1989-2024 roughly like GED 25.1 (weights taken from its country-month totals, quantised);
* coordinates scattered around real place coordinates of each country (taken from UCDP sample
  events), so ``priogrid_gid`` and ``country_id`` look plausible; points may fall outside the
  country's borders (the jitter ignores borders);
* a file size close to that of the real GED 25.1 CSV (about 220 MB for its 385,918 events): about
  610 bytes per event, 236 MB for 385,918 events.

Actor, conflict and dyad names are invented and say so (``Rebels MLI-2``, ``Militia SYR-3``);
every ``source_original`` starts with the release note (``"synthetic"`` by default), so a copy
found lying around cannot be mistaken for UCDP data.

Public API: :func:`synthetic_events_frame`, :func:`write_synthetic_ged`, :func:`write_revised_copy`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sahelwatch.formats.ucdp import GED_COLUMNS

__all__ = [
    "GED_COLUMNS",
    "geom_wkt",
    "priogrid_gid",
    "synthetic_events_frame",
    "write_revised_copy",
    "write_synthetic_ged",
]


#: Progress callback: called with (rows done, rows in total).
Progress = Callable[[int, int], None]

FIRST_YEAR = 1989
LAST_YEAR = 2024
_CHUNK_ROWS = 50_000
_MICRO = 1_000_000

# ---------------------------------------------------------------------------------------------
# Built-in tables (real facts, no UCDP event records).
#
# _COUNTRY_TABLE, one country a line: Gleditsch-Ward id | UCDP country name | ISO3 | UCDP region |
# GED 25.1 event counts 1989-2024 by type of violence (sb,ns,os) | jitter of invented sites around
# the country's places, in degrees | event intensity per year 1989..2024, one base-36 digit a
# year, digit d meaning about 2 ** ((d - 1) / 2) events and 0 none. Counts and intensities come
# from the GED 25.1 country-month totals (shared data file 7); Niger and Nigeria, missing there,
# are rough hand estimates.
#
# _PLACE_TABLE, one place a line: Gleditsch-Ward id | latitude | longitude | adm_1 | adm_2 |
# where_coordinates. Places are event locations of UCDP sample events (shared data files 1-3;
# the most frequent locations of a country and the ones farthest apart), or, for countries
# without such events, a town picked by hand.

_COUNTRY_TABLE = """\
2|United States of America|USA|Americas|2,3,4|0.15|000000000000400000000100001011100100
20|Canada|CAN|Americas|0,35,0|0.15|000004711747100000000000000000000000
41|Haiti|HTI|Americas|71,25,263|0.05|537045100030000a700000000000111cadcf
51|Jamaica|JAM|Americas|0,29,0|0.15|100001000000a70000000000000000000000
52|Trinidad and Tobago|TTO|Americas|3,0,0|0.15|040000000000000000000000000000000000
70|Mexico|MEX|Americas|35,21216,299|0.60|340448696600040b8cmijnihgghgiklnpnoo
90|Guatemala|GTM|Americas|271,20,215|0.15|efddcbb81101130360361050005100001439
91|Honduras|HND|Americas|0,80,16|0.15|0000000000110175000006053483034154b8
92|El Salvador|SLV|Americas|115,1,77|0.15|dc8100000000000100003300001010103d00
93|Nicaragua|NIC|Americas|27,0,0|0.15|a60000000000000000000000000000000000
95|Panama|PAN|Americas|3,0,1|0.15|400000000000000000001000000000000000
100|Colombia|COL|Americas|5884,569,8167|0.60|cefecdefgfimmnnnmiiifedbacbeggffggii
101|Venezuela|VEN|Americas|7,13,1465|0.51|ddbddccc69cccbccbaacccabccbdeed58a98
110|Guyana|GUY|Americas|0,0,3|0.15|000000000000000000040000000000000000
130|Ecuador|ECU|Americas|7,713,5|0.15|0000005000001010111400000000001178jh
135|Peru|PER|Americas|661,5,224|0.15|gfffdbca9795465314788880175330144430
140|Brazil|BRA|Americas|0,7678,653|0.60|0000677496bb9a8895764357859diikkkmnm
145|Bolivia|BOL|Americas|0,12,0|0.15|000000000107000000000000000000001010
150|Paraguay|PRY|Americas|1,1,3|0.15|100000000000000000000000000101011000
160|Argentina|ARG|Americas|1,0,1|0.09|000101000000000000000000000000000000
200|United Kingdom|GBR|Europe|110,0,88|0.15|bbbbb9035401153131003010000000400000
210|Netherlands|NLD|Europe|2,0,0|0.15|010000000000000000000000001000000000
211|Belgium|BEL|Europe|3,0,3|0.15|000000000000000000000000000403000010
220|France|FRA|Europe|9,44,10|0.15|0001001100000000001000010033170000c4
230|Spain|ESP|Europe|143,1,4|0.15|88a967858609853100033000000040000010
260|Germany|DEU|Europe|4,0,2|0.15|310100000000000000000000000100000001
290|Poland|POL|Europe|1,0,0|0.15|000000000000000000000000000000000100
305|Austria|AUT|Europe|0,0,1|0.15|000000000000000000000000000000010000
325|Italy|ITA|Europe|1,0,0|0.15|000010000000000000000000000000000000
338|Malta|MLT|Europe|1,0,0|0.15|000000100000000000000000000000000000
339|Albania|ALB|Europe|10,0,0|0.15|000000000080000000000000000000000000
343|Macedonia, FYR|MKD|Europe|54,0,1|0.15|000000000011c00000000000000000000000
344|Croatia|HRV|Europe|144,0,13|0.15|000bd0d00000000000000000000000000000
345|Serbia (Yugoslavia)|SRB|Europe|720,363,121|0.33|00hi00346hi0100000000000000000000000
346|Bosnia-Herzegovina|BIH|Europe|9044,1,295|0.22|000ponl00000000000000000000000000000
359|Moldova|MDA|Europe|77,0,0|0.15|000e00000000000000000000000000000000
360|Romania|ROU|Europe|10,0,6|0.15|900000000000000000000000000000000000
365|Russia (Soviet Union)|RUS|Europe|4309,39,268|0.60|6bd18bgf64dggidhhffgihhhgdbbba893bek
369|Ukraine|UKR|Europe|31320,1,226|0.54|0000000000000000000000000mljhggfgrss
371|Armenia|ARM|Europe|76,0,1|0.15|000771600000000013000006107101377780
372|Georgia|GEO|Europe|242,8,9|0.15|006ef0406400030800080510000000000010
373|Azerbaijan|AZE|Europe|798,0,2|0.05|004gdd8445676004a78769a88bcba98f9780
380|Sweden|SWE|Europe|0,0,1|0.15|000000000000000000000000000010000000
404|Guinea-Bissau|GNB|Africa|22,0,0|0.15|000100000943000000000000000000000000
420|Gambia|GMB|Africa|0,0,6|0.15|000000010000000130000001000000000001
432|Mali|MLI|Africa|1475,367,731|0.60|09871c50105001031078735cebdcfhghgiij
433|Senegal|SEN|Africa|163,14,131|0.15|8979b0c3bb7a896135048798500001013000
434|Benin|BEN|Africa|53,0,12|0.31|0000000000000000000000000000001167ab
435|Mauritania|MRT|Africa|10,5,23|0.15|960100000000000000111161000000110031
436|Niger|NER|Africa|1000,150,550|0.60|078988764000000000aba0689bddeffghghh
437|Ivory Coast|CIV|Africa|67,50,246|0.30|0310113501363ccba7451ag6300300010000
438|Guinea|GIN|Africa|24,9,50|0.15|00000101043a500016a04115401000141000
439|Burkina Faso|BFA|Africa|1161,54,601|0.40|0000000000000000000000000003bdhgghji
450|Liberia|LBR|Africa|120,60,371|0.15|6f9acecb4146bcc000000000000000130001
451|Sierra Leone|SLE|Africa|633,12,852|0.20|00fddggefigd910000000000000000001000
452|Ghana|GHA|Africa|0,55,0|0.42|003317700001110000083100000000000674
461|Togo|TGO|Africa|26,1,123|0.15|0053400005000000e00000000000001007a9
471|Cameroon|CMR|Africa|1188,63,886|0.60|0114670405053001400110001cdefhhhhhhg
475|Nigeria|NGA|Africa|2200,2300,1900|0.60|68a98a89bceffedecbdcffhiikjhiijjkjjj
482|Central African Republic|CAF|Africa|513,389,1129|0.60|001140000011a9646ca6dcabgjfdheddgeee
483|Chad|TCD|Africa|242,45,179|0.60|496b9994778967587d99810004b768aa888a
484|Congo|COG|Africa|137,0,102|0.15|00018713ddc01a6060110013001740310300
490|DR Congo (Zaire)|COD|Africa|2411,1045,5445|0.60|4578a99gffgfdfebaefejegggffgjjjkklkk
500|Uganda|UGA|Africa|1037,99,566|0.28|aba509afefefdgghhea76100010313308681
501|Kenya|KEN|Africa|322,568,325|0.60|413a985789799635bacfabadceccedcddbdb
510|Tanzania|TZA|Africa|7,1,44|0.15|000100011010700000100001010011497406
516|Burundi|BDI|Africa|1146,296,1702|0.11|01a4jcfggfghghgefdac406777cdcdcecccc
517|Rwanda|RWA|Africa|270,5,2329|0.08|0bbbcn9cfd10a00100001015400a75103403
520|Somalia|SOM|Africa|5408,756,704|0.58|bca9abdeb9cbbdccaehhhihjiiiihjiiiihg
522|Djibouti|DJI|Africa|44,5,12|0.15|117886531370000000030000010001001000
530|Ethiopia|ETH|Africa|3385,405,1596|0.50|dfc986765acecfdfeefeeeeedbefcddhkljl
531|Eritrea|ERI|Africa|48,0,5|0.15|000010037488007000010000000100000500
540|Angola|AGO|Africa|1719,0,389|0.60|hg9bhidbbfhffdb988a775301639a68a5918
541|Mozambique|MOZ|Africa|703,24,788|0.50|fcdb33100000000130000101980b4cfghheg
551|Zambia|ZMB|Africa|0,0,38|0.15|a70010000001300000000000000000000000
552|Zimbabwe|ZWE|Africa|0,0,68|0.15|4400003001101010003c1011000003710000
560|South Africa|ZAF|Africa|57,2273,565|0.60|hjjjjhcbaa81040500000100001404698563
565|Namibia|NAM|Africa|8,0,11|0.15|000001010019010000000000000000000000
570|Lesotho|LSO|Africa|5,0,0|0.15|000000000600000000000000000000000000
571|Botswana|BWA|Africa|0,0,1|0.15|010000000000000000000000000000000000
572|Kingdom of eSwatini (Swaziland)|SWZ|Africa|0,0,22|0.15|300000000000000000000000000000438330
580|Madagascar|MDG|Africa|0,38,9|0.15|0000000000000b0000007004000010410000
581|Comoros|COM|Africa|4,3,0|0.15|300000003400000000000000000000000000
600|Morocco|MAR|Africa|24,0,3|0.15|603000000000003000000010000000017533
615|Algeria|DZA|Africa|3848,20,311|0.60|015fhiiffihhehghdeffgeffdccba8796411
616|Tunisia|TUN|Africa|119,0,5|0.15|0000000000000100000000337aa988767110
620|Libya|LBY|Africa|736,483,44|0.60|0000000000000000000100h99fggefgf7711
625|Sudan|SDN|Africa|2277,580,1699|0.60|bdbde9cdefddddehefdefegffgihdeedefik
626|South Sudan|SSD|Africa|394,235,372|0.46|0000000000000000000000bdefedfgdddb89
630|Iran|IRN|Middle East|374,0,293|0.60|09439345866a90109aaab896537a89eabg8b
640|Turkey|TUR|Middle East|6524,19,402|0.46|ghgijkkkjihbbacffeffceff77hhdgffeddb
645|Iraq|IRQ|Middle East|7607,146,1685|0.39|36eccbedd99896eijjjiiighjkkkkhhhiihh
651|Egypt|EGY|Middle East|906,75,176|0.41|0306cdfdb835000453033153ccdcfeffdd50
652|Syria|SYR|Middle East|73757,10092,4012|0.41|0000000000000004000100lsttsrrpnlkkll
660|Lebanon|LBN|Middle East|1991,378,16|0.06|gebdeddddccb41104h060036bc98a10500cl
663|Jordan|JOR|Middle East|6,1,2|0.15|000100000000000010000000001600000001
666|Israel|ISR|Middle East|7346,106,618|0.10|dbbddcaa653dgifhfhhggccf8l887cc6eclo
670|Saudi Arabia|SAU|Middle East|151,0,20|0.15|005000000000003c9430000000cb77714040
678|Yemen (North Yemen)|YEM|Middle East|4683,656,106|0.48|00000d000001011300036dhhfhjiiihkkjig
690|Kuwait|KWT|Middle East|25,0,15|0.15|099000010000000000000000001000000000
692|Bahrain|BHR|Middle East|0,0,24|0.15|0000000000000000000000a0000000000000
694|Qatar|QAT|Middle East|1,0,0|0.15|000000000000000100000000000000000000
696|United Arab Emirates|ARE|Middle East|2,0,0|0.07|000000000000000000000100000000000100
700|Afghanistan|AFG|Asia|39910,363,1947|0.60|fcddfhhhghggheghikllmnnnnnnnoppopigg
702|Tajikistan|TJK|Asia|312,6,10|0.15|000bbbcd8943000015007a60330004406a00
703|Kyrgyzstan|KGZ|Asia|53,25,5|0.15|000000000039000004000a00001000004b00
704|Uzbekistan|UZB|Asia|32,0,0|0.15|000000000069000700003000000000000000
710|China|CHN|Asia|18,3,18|0.15|440000003040000030196000001030000010
750|India|IND|Asia|12428,681,4888|0.60|fihhihhghijmjlllllkkkkiiiiiiijiihhhh
760|Bhutan|BTN|Asia|1,0,1|0.15|000000001000000100000000000000000000
770|Pakistan|PAK|Asia|6647,493,715|0.60|ac867baabc8b7dedccgkllkkijhggeefghik
771|Bangladesh|BGD|Asia|280,251,162|0.33|abbb968a8897b69bdd887713b37aaa46478d
775|Myanmar (Burma)|MMR|Asia|5897,78,2501|0.60|bbbc8eeeeffgeedeefgdbcheebgdedfekmnl
780|Sri Lanka|LKA|Asia|4128,92,361|0.22|ghigfehffgggf6abehjli030100010500000
790|Nepal|NPL|Asia|3701,4,1950|0.45|0711411cbhhghmlmkga73000000000000100
800|Thailand|THA|Asia|1375,3,1460|0.08|451131714511419fjjihgggffddcbcbbbaab
811|Cambodia (Kampuchea)|KHM|Asia|438,0,108|0.15|ca99edeecb15001000111043000000000000
812|Laos|LAO|Asia|7,0,17|0.15|160010001013034405000000000000000000
820|Malaysia|MYS|Asia|14,0,1|0.15|000000000000000000000000900010000000
840|Philippines|PHL|Asia|3750,32,586|0.60|fffdcc9acacgfgffffeggfffffgghffgfffe
850|Indonesia|IDN|Asia|1234,162,576|0.60|6cb977a9bbigehhib4140051654048aacbcd
900|Australia|AUS|Asia|1,0,1|0.15|000000000000000000000000000003000000
910|Papua New Guinea|PNG|Asia|78,41,33|0.60|6949968a5333640000000005000000405917
940|Solomon Islands|SLB|Asia|1,0,0|0.15|000100000000000000000000000000000000
"""

_PLACE_TABLE = """\
2|44.979722|-93.263611|Minnesota state|Hennepin county|Minneapolis town
20|43.653200|-79.383200|Ontario province||Toronto town
41|18.550000|-72.300000|Ouest department|Port-au-Prince arrondissement|Delmas commune
41|18.450000|-72.283333|Ouest department|Port-au-Prince arrondissement|Kenscoff commune
41|18.750000|-72.450000|Ouest department|Arcahaie arrondissement|Bercy town
41|18.539170|-72.335000|Ouest department|Port-au-Prince arrondissement|Port-au-Prince city
41|19.116667|-72.700000|L'Artibonite department|Saint-Marc arrondissement|Saint-Marc town
41|18.552166|-72.257446|Ouest department|Port-au-Prince arrondissement|Tabarre commune
51|17.971200|-76.793600|Kingston parish||Kingston town
52|10.654900|-61.501900|Port of Spain||Port of Spain town
70|32.502700|-117.003710|Baja California state|Tijuana municipality|Tijuana town
70|24.790320|-107.387820|Sinaloa state|Culiacán municipality|Culiacán town
70|20.676750|-101.356280|Guanajuato state|Irapuato municipality|Irapuato town
70|16.856933|-99.901496|Guerrero state|Acapulco de Juárez municipality|Acapulco town
70|21.165586|-86.854012|Quintana Roo state|Benito Juárez municipality|Cancún town
70|15.142860|-92.512200|Chiapas state|Huixtla municipality|Huixtla municipality
70|31.739444|-106.486944|Chihuahua state|Juárez municipality|Ciudad Juárez town
70|25.879720|-97.504170|Tamaulipas state|Matamoros municipality|Matamoros town
90|14.634900|-90.506900|Guatemala department||Guatemala City
91|14.072300|-87.192100|Francisco Morazán department||Tegucigalpa town
92|13.692900|-89.218200|San Salvador department||San Salvador town
93|12.136400|-86.251400|Managua department||Managua town
95|8.982400|-79.519900|Panamá province||Panama City
100|10.963889|-74.796389|Atlántico department|Barranquilla municipality|Barranquilla town
100|10.918430|-74.764590|Atlántico department|Soledad municipality|Soledad town
100|4.649178|-74.062827|Bogotá district|Bogotá municipality|Bogotá city
100|3.437222|-76.522500|Valle del Cauca department|Cali municipality|Cali town
100|6.044970|75.901790|Magdalena department|Concordia municipality|Concordia municipality
100|-0.634558|-71.100664|Amazonas department||Mirití-Paraná area
100|6.685320|-70.354490|Arauca department|Arauca municipality|El Rosario village
100|7.333333|-76.500000|Antioquia department|Mutatá municipality|Mutatá municipality
101|10.488011|-66.879193|||Caracas city
101|8.622610|-70.207490|Barinas state|Barinas municipality|Barinas town
101|3.686110|-67.452500|Amazonas state|Atabapo municipality|Caname area
101|10.488011|-66.879193|Distrito Federal|Libertador municipality|Caracas city
101|10.512517|-63.389268|Sucre state||Guarapiche town
101|10.366136|-68.715101|Yaracuy state|San Felipe municipality|El Corozo village
101|9.381172|-66.407230|Guárico state|El samanito sector|Chaguaramas–Memo national highway
101|10.960990|-64.151344|Nueva Esparta state|Tubores municipality|Chacachacare town
110|6.801300|-58.155100|Demerara-Mahaica region||Georgetown town
130|-2.196200|-79.886200|Guayas province|Guayaquil canton|Guayaquil town
135|-13.585560|-74.350560|Ayacucho department|Cangallo province|Chuschi town
140|-3.101940|-60.025000|Amazonas state|Manaus municipality|Manaus town
140|0.038890|-51.066390|Amapá state|Macapá municipality|Macapá town
140|2.819720|-60.673330|Roraima state|Boa Vista municipality|Boa Vista town
140|-8.761940|-63.903890|Rondônia state|Porto Velho municipality|Porto Velho town
140|-22.902780|-43.207500|Rio de Janeiro state|Rio de Janeiro municipality|Rio de Janeiro town
140|-9.398610|-40.500830|Pernambuco state|Petrolina municipality|Petrolina town
140|-3.717220|-38.543060|Ceará state|Fortaleza municipality|Fortaleza town
145|-17.389500|-66.156800|Cochabamba department||Cochabamba town
150|-23.406400|-57.434400|Concepción department||Concepción town
160|-32.957500|-60.639444|Santa Fe province|Rosario department|Rosario town
160|-32.997825|-60.773785|Santa Fe province|Rosario department|Pérez town
160|-31.772302|-60.835707|Santa Fe province|Santa Fe department|Sauce Viejo town
200|54.583330|-5.933330|Northern Ireland|Belfast council|Belfast town
210|52.367600|4.904100|North Holland province||Amsterdam town
211|50.850300|4.351700|Brussels region||Brussels town
220|42.697700|9.450800|Corsica region||Bastia town
230|43.263000|-2.935000|Basque Country|Biscay province|Bilbao town
260|52.520000|13.405000|Berlin state||Berlin town
290|52.229700|21.012200|Masovian voivodeship||Warsaw town
305|48.208200|16.373800|Vienna state||Vienna town
325|41.902800|12.496400|Lazio region||Rome town
338|35.898900|14.514600|Malta||Valletta town
339|41.327500|19.818700|Tirana county||Tirana town
343|42.240724|21.395991|Čučer-Sandevo municipality||Tanushevci village
344|44.040600|16.199400|Šibenik-Knin county||Knin town
345|42.380278|20.430833|Kosovo province|Dakovica|Djakovica town
345|43.505478|18.777265|||Foca Town
345|42.616667|20.900000|Kosovo province|Pristina|Glogovak village
345|42.833611|21.157500|Kosovo province|Podujevo|Godishnjak village
345|45.343333|18.999722|Vukovar-Syrmia|Vukovar|Vukovar town
345|43.257500|18.112400|||Nevesinjie village
345|43.798800|19.002100|||Rogatica village
346|43.666944|18.976389|||Gorazde town
346|44.289722|17.667500|||Mount Vlasic
346|44.981389|16.713056|||Prijedor town
346|44.405467|18.527549|||Banovici town
346|43.850000|18.383333|||Sarajevo city
346|44.882500|16.151389|||Bosanska Krupa town
346|44.872778|18.808333|||Brcko town
346|44.106389|19.296944|||Srebrenica town
359|46.840300|29.643300|Transnistria||Tiraspol town
360|45.748900|21.208700|Timiș county||Timișoara town
365|43.318000|45.698200|Chechnya republic|Grozny municipality|Grozny
365|43.095833|46.376389|Chechnya republic|Nozhay-Yurtovskiy rayon|Nozhay-Yurtovskiy rayon
365|43.305600|44.909400|Ingushetia republic|Karabulak municipality|Karabulak
365|43.913330|42.720830|Stavropol krai|Kislovodsk Urban okrug|Kislovodsk town
365|55.755800|37.617300|Moscow gorod|Moscow municipality|Moscow city
365|47.236270|38.905300|Rostov oblast|Taganrog urban okrug|Taganrog town
365|44.754815|44.981643|Stavropol krai|Neftekumsky rayon|Neftekumsk town
365|42.595681|47.717372|Dagestan republic|Karabudakhkentskiy rayon|Selo Ullubiyaul
369|48.279112|37.177579|Donetsk oblast|Pokrovsk raion|Pokrovsk town
369|48.621389|37.527778|Donetsk oblast|Kramatorsk raion|Druzhkivka town
369|46.636950|32.614580|Kherson oblast|Kherson raion|Kherson town
369|48.238839|36.989419|Donetsk oblast|Pokrovsk raion|Udachne village
369|49.840265|24.028909|Lviv oblast|Lviv raion|Lviv town
369|51.996068|33.263829|Chernihiv oblast|Novhorod-Siverskyi raion|Novhorod-Siverskyi town
369|50.124000|30.154000|Kyiv oblast|Fastiv raion|Fastiv raion
369|50.424300|35.479890|Sumy oblast|Okhtyrska raion|Velikopisarevskaya village
371|40.179200|44.499100|Yerevan||Yerevan town
372|42.227600|43.968600|Shida Kartli region||Tskhinvali town
373|40.000000|46.583333|||Nagorno-Karabakh
373|40.000000|47.000000|||Line of Contact
380|59.329300|18.068600|Stockholm county||Stockholm town
404|11.863600|-15.597700|Bissau region||Bissau town
420|13.454900|-16.579000|Banjul||Banjul town
432|14.138140|-5.017810|Mopti region|Tenenkou cercle|Diafarabe town
432|12.384651|-6.756703|Koulikoro region|Dioila cercle|Dioila cercle
432|15.918200|2.402200|Ménaka region|Ménaka cercle|Menaka town
432|14.484300|-4.182960|Mopti region|Mopti cercle|Mopti town
432|14.446930|-11.444480|Kayes region|Kayes cercle|Kayes town
432|20.198611|1.011389|Kidal region|Tessalit cercle|Tessalit town
432|14.798320|-1.302596|Mopti region|Douentza cercle|Boulikessi village
432|15.168751|-7.284659|Koulikoro region|Nara cercle|Nara town
433|12.583300|-16.271900|Ziguinchor region|Ziguinchor department|Ziguinchor town
434|11.130008|3.719342|Alibori department|Segbana commune|Wara village
435|18.073500|-15.958200|Nouakchott||Nouakchott town
436|13.543600|2.311300|Tillabéri region|Kollo department|Barkiawal Béri village
436|14.472302|1.082169|Tillabéri region|Tera department|Mamassey village
436|16.841574|13.285175|Diffa region|Nguigmi department|Agadem village
436|13.299551|2.748874|Tillabéri region|Kollo department|Alfaga Koira village
436|19.366670|5.800000|Agadez region|Arlit department|Assamakka village
436|13.214420|12.027650|Diffa region|Maïne-Soroa department|Maïne-Soroa town
436|16.840000|5.100000|Tahoua region|Tchin Tabaradene department|Tchin Tabaradene department
436|13.791612|5.247790|Tahoua region|Birni-N'Konni department|Birni N'Konni town
437|7.083333|-7.333333|Dix-Huit Montagnes region|Bangolo department|Bangolo department
437|6.738056|-7.343056|Moyen-Cavally region|Duékoué department|Duékoué town
437|7.755833|-5.040278|Vallée du Bandama region|Bouaké department|Menakro village
438|9.641200|-13.578400|Conakry region||Conakry town
439|13.766670|-2.066670|Yaadga region|Loroum province|Titao town
439|13.166148|-3.415425|Sourou region|Sourou province|Di village
439|13.438799|-1.964350|Yaadga region|Yatenga province|Séguénéga town
439|12.970400|-0.149530|Sirba region|Gnagna province|Bogandé town
439|9.985000|-4.097710|Tannounyan region|Comoé province|Moussokantou village
439|11.057967|-1.821847|Nando region|Sissili province|Biéha village
439|11.724394|1.766156|Tapoa region|Gobnangou province|Mahadaga village
439|11.302736|0.121253|Nakambé region|Koulpélogo province|Mandé village
450|6.500000|-9.500000|||Liberia
451|8.716670|-11.950000|Northern province|Tonkolili district|Magburaka town
451|8.050000|-10.966670|Eastern province|Kailahun district|Masahun village
451|8.466061|-12.213653|Northern province|Tonkolili district|Mile 91 town
451|8.133330|-12.783330|Southern province|Moyamba district|Mosimbara village
451|9.016670|-12.950000|Northern province|Kambia district|Rokupr village
451|7.550000|-11.183330|Eastern province|Kenema district|Tilorma village
451|8.766667|-12.783333|Northern province|Port Loko district|Port Loko district
452|11.045412|-0.224361|Upper East region|Bawku municipal district|Bawku municipal district
452|10.971406|-0.565437|Upper East region|Bawku West district|Widnaba village
461|10.847500|0.816667|Savanes region|Kpendjal prefecture|Kpendjal prefecture
471|5.959700|10.145970|North-West region|Mezam département|Bamenda town
471|12.701810|14.218061|Far North region|Logone-et-Chari department|Bargaram village
471|10.844630|13.832860|Far North region|Mayo-Tsanaga department|Gousda village
471|11.110600|14.038900|Far North region|Mayo-Sava department|Gouzoudou village
471|4.152700|9.241000|South-West region|Fako département|Buea town
471|11.917930|14.643060|Far North region|Logone-et-Chari department|Dabanga village
471|4.932267|9.475464|South-West region|Meme département|Konye village
471|6.366670|10.783330|North-West region|Donga-Mantung département|Ntumbaw village
475|9.549690|8.934400|Plateau state|Barkin Ladi lga|Barkin Ladi lga
475|10.358612|4.128719|Niger state|Borgu lga|Borgu lga
475|7.966670|8.766670|Benue state|Guma lga|Guma lga
475|11.412817|7.190437|Katsina state|Dandume lga|Dandume lga
475|13.094660|13.823430|Borno state|Kukawa lga|Baga village
475|6.465080|3.148270|Lagos state|Ojo lga|Ojo lga
475|5.031630|6.359310|Bayelsa state|Yenagoa lga|Yenagoa lga
475|13.431624|4.495351|Sokoto state|Gudu lga|Gudu lga
482|5.318001|25.955293|Haut-Mbomou prefecture|Mboki sub-prefecture|Mboki town
482|9.787337|21.613256|Vakaga prefecture|Ouadjia sub-prefecture|Sikikede town
482|4.772098|15.195602|Mambéré-Kadéi province|Amada-Gaza region|Amada Gaza town
482|10.462700|23.289001|Vakaga prefecture|Amdafock sub-prefecture|Amdafock sub-prefecture
482|6.320000|19.080000|Kémo province|Dékoa region|Dekoa town
482|4.379902|22.299396|Mbomou province|Gambo region|Pombolo village
482|7.627680|16.963783|Ouham prefecture|Markounda sub-prefecture|Markounda town
482|4.366667|18.583333|Bangui province|Bangui region|Bangui city
483|10.006002|17.710564|Moyen-Chari region|Barh Kôh department|Korbol village
484|-4.263400|15.242900|Brazzaville||Brazzaville town
490|-4.300000|28.950000|Sud Kivu province|Fizi territory|Fizi territory
490|0.353433|28.765479|Nord Kivu province|Lubero territory|Manguredjipa town
490|1.957600|30.583360|Ituri province|Djugu territory|Bule village
490|1.350000|29.200000|Ituri province|Mambasa territory|Babila-Bakwanza groupement
490|-5.124801|15.080283|Kongo Central province|Madimba territory|Kisantu town
490|0.001717|19.319544|Équateur region|Bolomba zone|Djoa village
490|-7.003095|21.245567|Kasaï province|Kamonia territory|Diboko village
490|-9.200000|25.850000|Haut-Lomami province|Bukama territory|Bukama territory
500|3.245000|32.141111|Gulu district|Kilak county|Atiak town
500|3.583333|32.950000|Kitgum district|Lamwo county|Paloga town
501|-0.896324|40.967814|Garissa county|Ijara constituency|Hulugho locality
501|0.870083|34.538306|Western province|Mt. Elgon district|Chepkurkur
501|-0.453548|39.640108|Garissa county|Garissa township constituency|Garissa town
501|1.169220|36.095494|Baringo county|Tiaty constituency|Kapedo village
501|3.500000|40.750000|North Eastern province|Mandera district|Mandera district
501|4.475556|34.382778|Rift Valley province|Turkana district|Mogila location
501|3.483333|39.216666|Eastern province|Moyale district|Nana area
501|-0.025375|40.135564|Garissa county|Dadaab constituency|Sardho village
510|-3.384800|36.671700|Arusha region|Arusha City district|Arusha town
516|-2.889560|30.214850|Buhumuza province|Muyinga commune|Bihogo Colline
516|-3.194444|29.641667|Muramvya province|Bukeye commune|Bukeye town
516|-3.494800|29.353800|Bujumbura province|Mugere commune|Gakungwe Colline
516|-3.142390|29.818230|Butanyerera province|Muhanga commune|Gikomero zone
516|-2.780474|29.071080|Cibitoke province|Rugombo commune|Rukana colline
516|-4.008611|29.741944|Bururi province|Bururi commune|Munini town
516|-2.832170|29.555900|Butanyerera province|Kayanza commune|Munege colline
516|-3.857778|29.386944|Bururi province|Rumonge commune|Kizuka town
517|-2.157100|29.551500|Kibuye prefecture|Bwakira commune|Bwakira town
517|-2.103500|29.263900|Kibuye prefecture|Gishyita commune|Gisoro village
517|-2.174200|29.301800|Kibuye prefecture|Gishyita commune|Kazirandimwe Area
517|-1.764444|29.970000|Kigali-Rural prefecture|Mbogo commune|Mbogo commune
517|-2.112690|30.050020|Kigali-Rural prefecture|Kanzenze commune|Ntarama town
517|-2.296100|29.873900|Butare prefecture|Muyira commune|Mulinja village
517|-1.884400|30.031600|Kigali-Rural prefecture|Rutongo commune|Nyakabungo location
517|-2.144900|29.354600|Kibuye prefecture|Gitesi commune|Rubazo village
520|2.066667|45.366667|Banaadir region|Mogadishu district|Mogadishu city
520|3.116667|43.650000|Bay region|Baidoa district|Baidoa town
520|2.351900|45.527900|Middle Shabelle region|Balad district|Jabadgodane village
520|-0.871403|42.157562|Lower Juba region|Kismayo district|Kudha island
520|11.174361|49.827180|Bari region|Kandala district|Dhasaan village
520|5.366667|46.191111|Galgudud region|Dhuusamarreeb district|Ceel Dhere town
520|1.666667|42.000000|Middle Juba region|Saakow district|Saakow district
520|3.389313|46.952684|Middle Shabelle region|Adan Yabal district|Nuur Dugle village
522|11.909428|42.280064|Tadjourah region||Garabtisan village
530|12.399141|37.037730|Amhara state|Central Gondar zone|Chandiba village
530|13.715124|38.316277|Tigray state|Northwestern zone|Dima kebele
530|11.234734|39.063358|Amhara state|South Welo zone|Masha town
530|13.726401|38.396460|Tigray state|Northwestern zone|Mechara kebele
530|7.259214|44.531777|Somali state|Korahe zone|Gabogabo village
530|6.250000|37.000000|South Ethiopia regional state|Gamo zone|Gamo zone
530|8.063476|40.027220|Oromiya state|Arsi zone|Magna Oda Adi kebele
530|9.794873|35.101608|Oromiya state|West Welega zone|Mendi town
531|15.322900|38.925100|Maekel region||Asmara town
540|-12.776111|15.739167|Huambo province|Huambo municipality|Huambo town
540|-4.850000|12.400000|Cabinda province|Buco Zau municipality|Inhoca town
540|-14.100000|21.433333|Moxico province|Lumbala N'guimbo municipality|Lumbala N'guimbo town
540|-6.133333|12.366667|Zaire province|Soyo municipality|Soyo town
541|-12.020657|40.183773|Cabo Delgado province|Macomia district|Namabo-Catupa military base
541|-12.020000|40.146389|Cabo Delgado province|Macomia district|5° Congresso village
541|-11.931940|40.110280|Cabo Delgado province|Macomia district|Chai village
541|-11.389848|40.567599|Cabo Delgado province|Mocímboa da Praia district|Ilha Muissune island
541|-12.001389|40.535833|Cabo Delgado province|Macomia district|Pangane town
551|-15.387500|28.322800|Lusaka province||Lusaka town
552|-17.825200|31.033500|Harare province||Harare town
560|-33.916667|18.416667|Western Cape province|City of Cape Town municipality|Cape Town city
560|-33.506580|18.487188|Western Cape province|City of Cape Town municipality|Atlantis town
560|-26.665961|27.851356|Transvaal province||Boipatong town
560|-27.388697|26.617007|Orange Free State province||Bothaville town
560|-29.965717|30.886394|KwaZulu-Natal province|eThekwini administrative district|Umlazi township
560|-25.606360|27.945809|Transvaal province||Mapetla town
560|-29.074929|30.607045|Natal province||Nhlaklakahle town
565|-17.500000|24.270000|Zambezi region||Katima Mulilo town
570|-29.315100|27.486900|Maseru district||Maseru town
571|-24.628200|25.923100|South-East district||Gaborone town
572|-26.550000|31.016670|Manzini district|Bhunya constituency|Bhunya town
580|-18.879200|47.507900|Analamanga region||Antananarivo town
581|-12.250000|44.416667|Anjouan province|Anjouan island|Anjouan island
600|27.153600|-13.203300|Laâyoune-Sakia El Hamra region||Laayoune town
615|36.763056|3.050556|Algiers province|Sidi M'Hamed commune|Algiers city
615|36.907500|7.757222|Annaba province|Annaba commune|Annaba town
615|35.555278|6.178611|Batna province|Batna commune|Batna town
615|36.380000|3.901389|Bouira province|Bouira commune|Bouira town
615|35.404167|8.124167|Tébessa province|Tebessa commune|Tébessa town
615|36.000000|2.150000|Ain Defla province|Bordj El Amir Khaled district|Tarik Ibn Ziad town
615|35.983333|4.200000|M'Sila province||Ouanougha town
615|36.756500|3.433330|Boumerdes province|Corso commune|Corso commune
616|35.250000|8.783333|Kassérine governorate||Kassérine governorate
620|32.757720|12.377170|An Nuqat al Khams district||Al Ajaylay town
620|30.800833|18.086389|Surt district||Bin Jawad town
620|32.375352|15.092543|Misrata district||Misrata town
620|27.586572|18.470499|Al Jufrah district||Naga oil field
620|31.930556|12.248333|Jabal al Gharbi district||Zintan town
625|15.019794|22.814866|North Darfur state|Kutum district|At Tina town
625|12.050000|29.650000|South Kordofan state|Dilling district|Dilling town
625|13.184210|30.216690|North Kordofan state|Shiekan district|El Obeid town
625|12.719872|30.641509|North Kordofan state|Um Rawaba district|Er Rahad town
625|4.914722|29.476944|Equatoria state|Western Equatoria district|Maridi town
625|9.272560|24.416870|South Darfur state|El Radoom district|Kafia Kingi village
625|17.698755|33.984814|River Nile state|Atbara district|Atbara town
625|9.881100|34.216400|Blue Nile state|El Kurmuk district|Yabus village
626|8.130949|31.410470|Jonglei state|Ayod county|Ayod county
626|9.296930|32.064410|Upper Nile state|Baliet county|Baliet town
626|7.730000|31.400000|Jonglei state|Duk county|Duk county
626|8.400000|28.350000|Warap state|Gogrial East county|Gogrial East county
626|4.480833|34.173889|East Equatoria state|Kapoeta East county|Nadapal village
626|4.094440|30.676390|Central Equatoria state|Yei county|Yei town
626|8.483330|30.083330|Unity state|Koch county|Ngoiny village
626|8.159330|32.239760|Jonglei state|Akobo county|Walgak town
630|35.696111|51.423056|Tehran province|Tehran county|Tehran city
630|32.644791|51.659981|Esfahan province|Esfahan county|Esfahan town
630|34.340278|47.095833|Kermanshah province|Kermanshah county|Kermanshah town
630|29.874200|52.802500|Fars province|Marvdasht county|Marvdasht town
630|26.828800|62.640500|Sistan and Baluchestan province|Saravan county|Sirkan village
630|36.315590|59.567960|Razavi Khorasan province|Mashhad county|Mashhad town
630|27.149158|57.074776|Hormozgan province|Minab county|Minab town
630|38.243391|48.291080|Ardebil province|Ardabil county|Ardabil town
640|40.318832|43.531433|Kars province|Digor district|Bacalı village
640|38.045262|44.017179|Van province|Baskale district|Baskale town
640|37.545453|41.719665|Mardin province|Dargecit district|Dargecit town
640|37.607315|42.747810|Şırnak province||Dereler village
640|36.587185|36.173468|Hatay province|Iskenderun district|Iskenderun town
640|39.017833|39.600641|Tunceli province|Mazgirt district|Mazgirt town
640|37.915833|40.218889|Diyarbakır province||Diyarbakır town
640|37.300000|44.566667|Hakkari province|Semdinli district|Semdinli district
645|33.340582|44.400876|Baghdād province||Baghdād city
645|36.335000|43.118889|Nīnawá province|Qaḑā’ al Mawşil|Mosul town
645|36.400000|43.200000|Nīnawá province|Qaḑā’ al Mawşil|Qaḑā’ al Mawşil
645|33.420560|43.307779|Al Anbār province|Qaḑā’ ar Ramādī|Ramādī town
645|31.835876|47.143995|Maysān province|Qaḑā al ‘Amārah|Al ‘Amārah town
645|34.239533|41.021072|Al Anbār province|Al Qā’im district|Al Qā’im district
645|34.888083|44.632564|Şalāḩ ad Dīn province|Tooz district|Ţūzkhūrmātū town
645|31.992886|44.925521|Al Qādisīyah province|Qaḑā’ ad Dīwānīyah|Ad Dīwānīyah town
651|30.050000|31.250000|Cairo governorate||Cairo city
652|36.201241|37.161173|Aleppo governorate|Jabal Saman district|Aleppo town
652|34.726818|36.723391|Homs governorate|Mintaqat Markaz Homs district|Homs town
652|33.513364|36.291575|Damascus governorate|Damascus district|Damascus city
652|35.952829|39.007879|Ar Raqqah governorate|Ar Raqqah district|Ar Raqqah town
652|36.811380|42.062060|Al Hasakah governorate|Al Malikiyah district|Al Yarubiyah town
652|34.450000|40.918611|Deir ez Zor governorate|Albu Kamal district|Albu Kamal town
652|34.268889|39.284167|Homs governorate|Tadmur district|Uwayrid Dam
652|36.057565|40.734784|Al Hasakah governorate|Al Hasakah district|Ash Shaddadah town
660|33.229310|35.424070|Nabatiye province|Bint Jubayl  county|Khirbet Selm village
660|33.543611|35.378056|South Lebanon province|Sidon  county|Ain al-Hilweh refugee camp
660|33.097222|35.334444|Nabatiye province|Bint Jubayl  county|Aita al-Shaab village
660|33.141389|35.406667|Nabatiye province|Bint Jubayl  county|Al Tiri village
660|33.704701|35.911453|Beqaa province|Zahle county|Majdel Anjar village
660|33.273330|35.193890|South Lebanon province|Tyre  county|Tyre town
660|33.386175|35.496605|Nabatiye province|Nabatiye  county|Kfar Roummane village
660|33.120000|35.134167|South Lebanon province|Tyre  county|Naqoura town
663|31.945400|35.928400|Amman governorate||Amman town
666|31.516667|34.450000|Gaza Strip|Gaza governorate|Gaza town
666|31.344444|34.303056|Gaza Strip|Khan Younis governorate|Khan Younis town
666|31.546397|34.495142|Gaza Strip|Gaza ash Shamaliyah governorate|Beit Lahiya town
666|31.348220|34.256182|Gaza Strip|Khan Younis governorate|Al Mawasi area
666|32.666667|35.500000|||Jordan valley
666|30.500000|34.917000|Southern district|Be'er Sheva sub-district|Negev desert
666|31.872100|35.275960|West Bank|Ramallah and al-Bireh governorate|Mikhmas village
666|31.160460|35.022740|Southern district|Be'er Sheva sub-district|Ar‘ara BaNegev village
670|16.889200|42.551100|Jizan province||Jizan town
678|16.893874|43.187476|Şa‘dah governorate|Shadā’ district|Shadā’ district
678|14.809326|44.567918|Dhamār governorate|Al Ḩadā’ district|Al Ḩadā’ district
678|16.860113|43.194348|Şa‘dah governorate|Shadā’ district|Mudhallah village
678|15.943333|48.793333|Ḩaḑramawt governorate|Say’ūn district|Say’ūn town
678|16.211462|52.186928|al-Mahrah governorate|Ghaydah district|Ghaydah town
678|14.537665|46.831868|Shabwah governorate|‘Ataq district|‘Ataq town
678|12.779444|45.036667|Aden governorate||Aden town
678|16.981571|45.053996|al-Jawf governorate|Khab wa Ash Sha‘af district|Yatmah town
690|29.337500|47.658100|||Kuwait
692|26.228500|50.586000|Capital governorate||Manama town
694|25.285400|51.531000|Doha municipality||Doha town
696|24.451180|54.396960|Abu Dhabi emirate||Abu Dhabi city
700|34.531094|69.162796|Kabul province|Kabul district|Kabul city
700|36.726131|68.865189|Kunduz province|Kunduz district|Kunduz town
700|31.625941|63.861445|Hilmand province|Nad Ali district (Marja)|Nad Ali district (Marja)
700|31.640454|65.397591|Kandahar province|Zhari district|Zhari district
700|36.035840|64.672600|Faryab province|Pashtun Kot district|Kata Qala village
700|34.232600|61.006700|Hirat province|Ghoryan district|Chah Raig Mohammad Raiza Khan village
700|35.266478|71.540722|Kunar province|Nari district|Nari district
700|32.716667|67.633333|Ghazni province|Gelan district|Gelan district
702|38.560000|68.773889|Dushanbe independent city||Dushanbe city
702|40.282560|69.622160|Leninobod region|Khujand city district|Khujand town
703|41.500000|72.500000|Jalal-Abad oblast||Jalal-Abad oblast
704|41.299500|69.240100|Tashkent region||Tashkent town
710|43.825600|87.616800|Xinjiang autonomous region||Urumqi town
750|18.843220|80.776100|Chhattisgarh state|Bijapur district|Bijapur district
750|33.529580|76.014620|Jammu and Kashmir state|Kishtwar district|Kishtwar district
750|34.192870|74.369200|Jammu and Kashmir state|Baramulla district|Baramulla district
750|33.431356|75.611049|Jammu and Kashmir state|Kishtwar district|Chhatroo village
750|27.573391|95.564987|Assam state|Tinsukia district|Doom Dooma town
750|26.393931|85.256866|Bihar state|East Champaran district|Kadma village
750|28.238863|78.439454|Uttar Pradesh state|Sambhal district|Gunnaur town
750|15.138903|76.920768|Karnataka state|Bellary district|Bellary town
760|26.800000|91.500000|Samdrup Jongkhar district||Samdrup Jongkhar town
770|32.903565|70.636761|Khyber Pakhtunkwa province|Bannu district|Bannu district
770|33.961134|71.057703|Khyber Pakhtunkwa province|Khyber district|Khyber district
770|33.023037|70.757961|Khyber Pakhtunkwa province|Bannu district|Domail town
770|25.049920|61.746805|Balochistan province|Gwadar district|Jiwani town
770|27.800000|66.616667|Balochistan province|Khuzdar district|Khuzdar town
770|28.987646|63.590870|Balochistan province|Chagai district|Chagai district
770|30.913800|66.497915|Balochistan province|Chaman district|Chaman town
771|23.723056|90.408611|Dhaka division|Dhaka district|Dhaka city
771|22.366670|90.816670|Barisāl division|Bhola district|Bhola district
771|23.169710|89.213710|Khulna division|Jessore district|Jessore town
771|23.420076|88.822117|Khulna division|Bibhag district|Jibannagar Upazila
771|21.056342|92.216811|Chittagong division|Cox’s Bāzār district|Teknaf sub-district
771|25.174497|88.996637|Rajshahi division|Joypurhat district|Panchibi union
771|22.535039|91.910428|Chittagong division|Chittagong district|Raozan sub-district
771|24.630799|89.425512|Rajshahi division|Bogra district|Sherpur sub-district
775|19.176470|93.595940|Rakhine state|Kyaukpyu district|Kyauk Ka Lay village
775|24.469064|96.181698|Sagaing region|Katha district|Maw Luu village
775|17.303950|97.169390|Mon state|Thaton district|Ah Lu Gyi village
775|10.681753|98.780152|Tanintharyi region|Kawthoung district|Aye Chan Thar Yar village
775|22.928706|93.409466|Chin state|Hakha district|Tlangkhua village
775|21.894806|95.688663|Mandalay region|Myingyan district|Ngazun town
775|21.472660|94.139580|Magway region|Pakokku district|Mi Ae village
775|18.813400|97.164250|Kayah state|Bawlakhe district|Mawchi (Lower) town
780|7.750000|81.499700|North Eastern province|Batticaloa district|Batticaloa district
780|7.710200|81.692400|North Eastern province|Batticaloa district|Batticaloa town
780|7.778200|81.603800|North Eastern province|Batticaloa district|Eravur town
780|9.750000|80.083333|North Eastern province|Jaffna district|Jaffna district
780|6.973200|80.767700|Central province|Nuwara Eliya district|Nuwara Eliya town
780|9.116667|80.800000|Northern province|Mullaittivu district|Manal Aru stream
780|8.950000|80.016667|Northern province|Mannar district|Marattikannnaddi town
780|8.368333|81.028056|North Eastern province|Trincomalee district|Kantalai town
790|28.750000|80.916670|Seti zone|Kailali district|Kailali district
790|28.517460|81.778700|Bheri zone|Surkhet district|Surkhet district
790|27.150000|87.550000|Kosi zone|Terhathum district|Terhathum district
790|29.083330|81.333330|Seti zone|Achham district|Achham district
790|28.250000|84.416670|Gandaki zone|Lamjung district|Lamjung district
790|27.000000|85.333330|Narayani zone|Rautahat district|Rautahat district
790|29.166670|83.083330|Karnali zone|Dolpa district|Dolpa district
790|27.916670|83.083330|Lumbini zone|Arghakhanchi district|Arghakhanchi district
800|6.569030|101.320530|Yala province|Mueang Yala district|Ban Po Yani village
800|6.256427|101.278521|Yala province|Bannang Sata district|Bannang Sata district
800|6.255038|101.704956|Narathiwat province|Rangae district|Rangae district
800|6.104253|101.893325|Narathiwat province|Sungai Padi district|Sungai Padi district
800|5.900419|101.861946|Narathiwat province|Waeng district|Waeng district
811|12.970670|103.047421|Battambang province|Banan district|Banan district
811|13.856389|102.996667|Banteay Meanchey province|Thma Puok district|Thma Puok town
812|17.975700|102.633100|Vientiane prefecture||Vientiane town
820|5.026800|118.327000|Sabah state|Lahad Datu district|Lahad Datu town
840|9.004444|125.645278|Agusan del Norte province|Butuan municipality|Anticala village
840|6.981388|124.465277|Maguindanao province|Datu Salibo municipality|Butilen village
840|13.335000|120.658600|Occidental Mindoro province|Abra de Ilog municipality|Cabacao village
840|6.512072|121.938786|Basilan province|Sumisip municipality|Cabcaban village
840|12.368544|124.393859|Northern Samar province|San Isidro municipality|Happy Valley village
840|9.506944|122.910277|Negros Oriental province|Tanjay City municipality|Santo Nino village
840|13.240300|123.532500|Albay province|Ligao municipality|Ligao town
840|13.966667|121.700000|Quezon province|Pagbilao municipality|Pagbilao town
850|-3.705000|128.170000|Maluku province|Kota Ambon|Ambon town
850|-3.410160|136.708370|Papua Tengah province|Intan Jaya regency|Intan Jaya regency
850|-3.644050|133.764900|Papua Barat province|Kaimana regency|Kaimana town
850|-5.212221|140.017657|Papua Selatan province|Boven Digoel regency|Koroway Batu airport
850|5.188056|97.140278|Aceh province|North Aceh regency|Lhokseumawe town
850|-5.634065|132.749956|Maluku province|Kota Tual|Tual town
850|-4.549000|136.888800|Papua province|Mimika regency|Timika town
850|-3.216822|135.827806|Papua Tengah province|Nabire regency|Makimi village
900|-33.868800|151.209300|New South Wales state||Sydney town
910|-8.564364|148.222625|Oro (Northern) province|Ijivitari district|Bakumbari village
910|-9.464722|147.192500|National Capital district||Port Moresby city
940|-9.445600|159.972900|Guadalcanal province||Honiara town
"""

# Invented wording for the source fields. News outlet names are real publishers; the headlines
# attributed to them are not.
_OFFICES: tuple[str, ...] = (
    "Agence France Presse", "Reuters News", "Associated Press Newswires", "Xinhua News Agency",
    "BBC Monitoring Africa", "BBC Monitoring South Asia", "BBC Monitoring Middle East",
    "BBC Monitoring Former Soviet Union", "Radio France Internationale", "allAfrica.com",
    "Anadolu Agency", "Deutsche Presse-Agentur", "Kyodo News", "Agencia EFE", "ANSA",
    "Al Jazeera", "The New Humanitarian", "Le Monde", "Jeune Afrique", "Studio Tamani",
    "aBamako.com", "Lefaso.net", "ActuNiger", "Sahara Médias", "Le Républicain (Mali)",
    "Premium Times", "Daily Trust", "The Nation (Kenya)", "Garowe Online", "Radio Okapi",
    "Kivu Security Tracker", "SOHR", "VDC", "Iraq Body Count", "South Asia Terrorism Portal",
    "Dawn", "The Hindu", "Press Trust of India", "Pajhwok Afghan News", "Tolo News",
    "Ukrinform", "Kyiv Independent", "Noche y Niebla", "El Tiempo", "El Universal", "Milenio",
    "O Globo", "Folha de S.Paulo", "Myanmar Now", "The Irrawaddy", "Mindanao Examiner",
    "Philippine Daily Inquirer", "Kompas", "Cameroon News Agency", "Sudan Tribune",
    "Radio Tamazuj", "Addis Standard", "Xinhua General News Service",
)  # fmt: skip

# Headline templates: (before number, with number, before place, with place, after place).
_HEADLINES: tuple[tuple[str, bool, str, bool, str], ...] = (
    ("", True, " killed near ", True, ""),
    ("Army: ", True, " militants killed in ", True, ""),
    ("Clashes in ", False, "", True, " leave several dead"),
    ("", True, " civilians killed in ", True, ""),
    ("Gunmen attack market in ", False, "", True, ""),
    ("Incidents in ", False, "", True, ""),
    ("Roadside bomb kills ", True, " soldiers near ", True, ""),
    ("Attack on army post at ", False, "", True, ""),
    ("Militia fighting around ", False, "", True, ""),
    ("", True, ' dead as "bandits" raid ', True, ""),
    ("Air strikes near ", False, "", True, ""),
    ("Daily briefing: ", True, " killed in ", True, ""),
    ("Police: ", True, " killed in ambush at ", True, ""),
    ("Night attack on ", False, "", True, ", witnesses say"),
    ("Army retakes ", False, "", True, ""),
    ("Incident #", True, ": attack near ", True, ""),
    ("Weekly security roundup", False, "", False, ""),
    ("", True, " abducted in raid on ", True, ""),
)  # fmt: skip

_MONITORING_TAIL = "\nCR \tSource: monitoring service, local radio"

_ORIGINALS: tuple[str, ...] = (
    "", "Local sources", "Police", "Army", "Witnesses", "Officials", "Hospital", "Residents",
    "NGO", "Rebels", "Local media", "UN",
)  # fmt: skip

# where_description: (prefix, suffix) around the place name.
_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("", ""), ("near ", ""), ("in ", ""), ("outskirts of ", ""), ("village of ", ""),
    ("road to ", ""), ("around ", ""), ("north of ", ""), ("market of ", ""), ("camp in ", ""),
)  # fmt: skip

# Probabilities of 1, 2, ..., 12 sources for an event (without a legacy citation).
_SOURCE_COUNT_P = (0.75, 0.14, 0.05, 0.025, 0.012, 0.007, 0.005, 0.003, 0.002, 0.002, 0.002, 0.002)


@dataclass(frozen=True)
class _Tables:
    """The parsed country and place tables (index c = row of ``_COUNTRY_TABLE``)."""

    gw: np.ndarray
    name: pa.Array
    iso: pa.Array
    region: pa.Array
    tov_cum: np.ndarray
    jitter_micro: np.ndarray
    year_w: np.ndarray
    place_start: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray
    place_name: pa.Array
    place_adm1: pa.Array
    place_adm2: pa.Array


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    rows = [line.split("|") for line in _COUNTRY_TABLE.splitlines()]
    places = [line.split("|") for line in _PLACE_TABLE.splitlines()]
    row_of = {int(r[0]): i for i, r in enumerate(rows)}
    place_country = np.array([row_of[int(p[0])] for p in places])
    if np.any(np.diff(place_country) < 0):
        raise AssertionError("_PLACE_TABLE must be grouped in _COUNTRY_TABLE order")
    tov = np.array([[float(x) for x in r[4].split(",")] for r in rows])
    year_w = np.array(
        [[0.0 if ch == "0" else 2.0 ** ((int(ch, 36) - 1) / 2) for ch in r[6]] for r in rows]
    )
    if year_w.shape[1] != LAST_YEAR - FIRST_YEAR + 1:
        raise AssertionError("year codes must cover 1989-2024")
    return _Tables(
        gw=np.array([int(r[0]) for r in rows], dtype=np.int64),
        name=pa.array([r[1] for r in rows]),
        iso=pa.array([r[2] for r in rows]),
        region=pa.array([r[3] for r in rows]),
        tov_cum=np.cumsum(tov / tov.sum(axis=1, keepdims=True), axis=1),
        jitter_micro=np.array([float(r[5]) * _MICRO for r in rows]),
        year_w=year_w,
        place_start=np.searchsorted(place_country, np.arange(len(rows) + 1)),
        place_lat=np.array([round(float(p[1]) * _MICRO) for p in places], dtype=np.int64),
        place_lon=np.array([round(float(p[2]) * _MICRO) for p in places], dtype=np.int64),
        place_name=pa.array([p[5] for p in places]),
        place_adm1=pa.array([p[3] or None for p in places]),
        place_adm2=pa.array([p[4] or None for p in places]),
    )


_MAX_DYADS = 5


@dataclass(frozen=True)
class _Dyads:
    """Invented dyads: ``_MAX_DYADS`` slots per (country, type of violence), index
    ``(c * 3 + tov - 1) * _MAX_DYADS + k``; ``count[c, tov - 1]`` slots are used."""

    count: np.ndarray
    conflict_new_id: np.ndarray
    dyad_new_id: np.ndarray
    side_a_new_id: np.ndarray
    side_b_new_id: np.ndarray
    side_b_dset_id: np.ndarray
    gwnoa: pa.Array
    conflict_name: pa.Array
    dyad_name: pa.Array
    side_a: pa.Array
    side_b: pa.Array


@lru_cache(maxsize=1)
def _dyads() -> _Dyads:
    t = _tables()
    n_c = len(t.gw)
    tov_p = np.diff(t.tov_cum, axis=1, prepend=0.0)
    totals = t.year_w.sum(axis=1, keepdims=True) * tov_p
    count = np.where(tov_p > 0, np.clip(np.ceil(np.log10(totals + 1)), 1, _MAX_DYADS), 0)
    cols: dict[str, list] = {
        k: [] for k in ("cn", "dn", "an", "bn", "bd", "ga", "c", "d", "a", "b")
    }
    for c in range(n_c):
        gw, name, iso = int(t.gw[c]), t.name[c].as_py(), t.iso[c].as_py()
        government = f"Government of {name}"
        for tov in (1, 2, 3):
            for k in range(_MAX_DYADS):
                local = (c * 3 + tov - 1) * _MAX_DYADS + k
                if tov == 1:
                    side_a, side_b = government, f"Rebels {iso}-{k + 1}"
                    a_id, b_id, conflict_id = 100 + c, 2000 + 2 * local, 200 + c
                    conflict = f"{name}: Government"
                elif tov == 2:
                    side_a, side_b = f"Militia {iso}-{2 * k + 1}", f"Militia {iso}-{2 * k + 2}"
                    a_id, b_id, conflict_id = 2000 + 2 * local, 2001 + 2 * local, 4000 + local
                    conflict = f"{side_a} - {side_b}"
                else:
                    side_a = government if k == 0 else f"Armed group {iso}-{k}"
                    a_id = 100 + c if k == 0 else 2000 + 2 * local
                    side_b, b_id, conflict_id = "Civilians", 1, 8000 + local
                    conflict = f"{side_a} - Civilians"
                cols["cn"].append(conflict_id)
                cols["dn"].append(10_000 + local)
                cols["an"].append(a_id)
                cols["bn"].append(b_id)
                cols["bd"].append(9999 if b_id == 1 else b_id)
                cols["ga"].append(gw if side_a == government else None)
                cols["c"].append(conflict)
                cols["d"].append(f"{side_a} - {side_b}")
                cols["a"].append(side_a)
                cols["b"].append(side_b)
    return _Dyads(
        count=count.astype(np.int64),
        conflict_new_id=np.array(cols["cn"], dtype=np.int64),
        dyad_new_id=np.array(cols["dn"], dtype=np.int64),
        side_a_new_id=np.array(cols["an"], dtype=np.int64),
        side_b_new_id=np.array(cols["bn"], dtype=np.int64),
        side_b_dset_id=np.array(cols["bd"], dtype=np.int64),
        gwnoa=pa.array(cols["ga"], type=pa.int64()),
        conflict_name=pa.array(cols["c"]),
        dyad_name=pa.array(cols["d"]),
        side_a=pa.array(cols["a"]),
        side_b=pa.array(cols["b"]),
    )


# ---------------------------------------------------------------------------------------------
# text helpers (vectorised with pyarrow.compute)


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def _take(values: pa.Array | Sequence[str], idx: np.ndarray) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else pa.array(list(values))
    return arr.take(pa.array(idx, type=pa.int64()))


def _int_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def _fixed6(micro: np.ndarray) -> pa.Array:
    """Micro-degrees as text with exactly 6 decimals (``-5.017810``)."""
    micro = np.asarray(micro, dtype=np.int64)
    absolute = np.abs(micro)
    sign = pc.if_else(pa.array(micro < 0), "-", "")
    frac = pc.utf8_lpad(_int_text(absolute % _MICRO), width=6, padding="0")
    return _join(sign, _int_text(absolute // _MICRO), ".", frac)


def _wkt_number(fixed: pa.Array) -> pa.Array:
    """A 6-decimal coordinate as UCDP writes it inside ``geom_wkt`` (trailing zeros dropped)."""
    text = pc.cast(fixed, pa.string())
    return pc.replace_substring_regex(text, pattern=r"\.?0+$", replacement="")


def geom_wkt(latitude: pa.Array, longitude: pa.Array) -> pa.Array:
    """``POINT (lon lat)`` from 6-decimal latitude/longitude text, in UCDP's usual spelling.

    About 7% of UCDP's points are instead written with full precision (``POINT
    (-60.773785069799814 -32.997825373676932)``); latitude/longitude are then that value rounded
    or truncated to 6 decimals. The generator writes such points too.
    """
    return _join("POINT (", _wkt_number(longitude), " ", _wkt_number(latitude), ")")


def priogrid_gid(lat_micro: np.ndarray, lon_micro: np.ndarray) -> np.ndarray:
    """PRIO-GRID cell id of points given in micro-degrees.

    ``gid = floor((lat + 90) / 0.5) * 720 + floor((lon + 180) / 0.5) + 1``, computed in integers
    so that points on cell edges are never misplaced by rounding.
    """
    half = _MICRO // 2
    lat = np.asarray(lat_micro, dtype=np.int64) + 90 * _MICRO
    lon = np.asarray(lon_micro, dtype=np.int64) + 180 * _MICRO
    return (lat // half) * 720 + lon // half + 1


def _date_text(days: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(days.astype("datetime64[D]")), pa.string())


def _zipf_pick(u: np.ndarray, size: np.ndarray, exponent: float) -> np.ndarray:
    """Index in ``0 .. size-1`` drawn with weights ``1/(k+1)**exponent`` from uniforms ``u``."""
    out = np.zeros(len(u), dtype=np.int64)
    for s in np.unique(size):
        rows = size == s
        w = np.cumsum(1.0 / np.arange(1, s + 1) ** exponent)
        out[rows] = np.minimum(np.searchsorted(w / w[-1], u[rows], side="right"), s - 1)
    return out


# ---------------------------------------------------------------------------------------------
# the generator


def _generate(n_events: int, seed: int, first_id: int, release_note: str) -> dict[str, pa.Array]:
    """All 49 columns as typed Arrow arrays (ints, bool, float64, date32, strings)."""
    if n_events < 1:
        raise ValueError(f"n_events must be at least 1, got {n_events}")
    t, dy = _tables(), _dyads()
    rng = np.random.default_rng(seed)
    n, n_years = n_events, LAST_YEAR - FIRST_YEAR + 1

    # where and when: a country-year cell, a type of violence, a day
    cell = rng.choice(t.year_w.size, size=n, p=(t.year_w / t.year_w.sum()).ravel())
    ci, year = cell // n_years, FIRST_YEAR + cell % n_years
    tov = 1 + (rng.random(n)[:, None] >= t.tov_cum[ci, :2]).sum(axis=1)
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    ndays = (year - 1969).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) - jan1
    start = jan1 + (rng.random(n) * ndays).astype(np.int64)
    date_prec = rng.choice(np.arange(1, 6), size=n, p=[0.85, 0.10, 0.01, 0.025, 0.015])
    duration = np.select(
        [date_prec == 2, date_prec == 3, date_prec == 4, date_prec == 5],
        [
            rng.integers(1, 7, n),
            rng.integers(7, 31, n),
            rng.integers(27, 31, n),
            rng.integers(31, 365, n),
        ],
        0,
    )
    end = np.minimum(start + duration, jan1 + ndays - 1)

    # ids grow roughly with the date; rows are written in id order
    order = np.argsort(start + rng.integers(-45, 46, n), kind="stable")
    ci, year, tov, start, end, date_prec = (
        a[order] for a in (ci, year, tov, start, end, date_prec)
    )
    ids = first_id + np.sort(rng.choice(int(n * 1.45) + 10, size=n, replace=False))

    # places: per country, its real places plus jittered "sites" around them
    per_country = np.bincount(ci, minlength=len(t.gw))
    site_parent, site_lat, site_lon, site_k, site_start = [], [], [], [], [0]
    for c in range(len(t.gw)):
        own = np.arange(t.place_start[c], t.place_start[c + 1])
        extra = int(min(5000, round(per_country[c] / 12))) if per_country[c] else 0
        parent = np.concatenate([own, rng.choice(own, size=extra)])
        shift = np.rint(rng.normal(0.0, t.jitter_micro[c], size=(2, extra))).astype(np.int64)
        site_parent.append(parent)
        site_lat.append(
            t.place_lat[parent] + np.concatenate([np.zeros(len(own), np.int64), shift[0]])
        )
        site_lon.append(
            t.place_lon[parent] + np.concatenate([np.zeros(len(own), np.int64), shift[1]])
        )
        site_k.append(np.concatenate([np.zeros(len(own), np.int64), np.arange(1, extra + 1)]))
        site_start.append(site_start[-1] + len(parent))
    s_parent, s_lat, s_lon, s_k = (
        np.concatenate(x) for x in (site_parent, site_lat, site_lon, site_k)
    )
    starts = np.asarray(site_start)
    site = starts[ci] + _zipf_pick(rng.random(n), starts[ci + 1] - starts[ci], 0.9)
    parent = s_parent[site]
    where_prec = rng.choice(np.arange(1, 8), size=n, p=[0.45, 0.23, 0.14, 0.11, 0.045, 0.02, 0.005])
    first_place = t.place_start[ci]
    lat = np.select(
        [where_prec <= 3, where_prec <= 5],
        [s_lat[site], t.place_lat[parent]],
        t.place_lat[first_place],
    )
    lon = np.select(
        [where_prec <= 3, where_prec <= 5],
        [s_lon[site], t.place_lon[parent]],
        t.place_lon[first_place],
    )
    lat = np.clip(lat, -89_999_999, 89_999_999)
    lon = (lon + 180 * _MICRO) % (360 * _MICRO) - 180 * _MICRO

    # who: an invented dyad of the country and type of violence
    slot = (ci * 3 + tov - 1) * _MAX_DYADS
    dyad = slot + _zipf_pick(rng.random(n), dy.count[ci, tov - 1], 1.2)

    # fatalities: low <= best <= high, deaths_* summing to best
    log_best = np.where(rng.random(n) < 0.003, rng.normal(5.0, 1.5, n), rng.normal(0.5, 1.6, n))
    best = np.where(rng.random(n) < 0.09, 0, np.minimum(np.ceil(np.exp(log_best)), 20_000))
    best = best.astype(np.int64)
    low = np.where(rng.random(n) < 0.10, best - np.floor(best * rng.uniform(0, 0.5, n)), best)
    high = np.where(
        rng.random(n) < 0.15, best + np.ceil(np.maximum(best, 1) * rng.uniform(0, 1.5, n)), best
    )
    split = np.array([[0.3, 0.4, 0.1, 0.2], [0.05, 0.05, 0.05, 0.85], [0.0, 0.0, 0.9, 0.1]])
    deaths = rng.multinomial(best, split[tov - 1])

    # sources: 1..12 per event, or UCDP's legacy free-text citation (number_of_sources = -1)
    legacy = rng.random(n) < np.select([year < 2010, year < 2012], [0.75, 0.3], 0.0)
    n_src = rng.choice(np.arange(1, 13), size=n, p=_SOURCE_COUNT_P)
    items = np.where(legacy, 1, n_src)
    offsets = np.concatenate([[0], np.cumsum(items)]).astype(np.int32)
    of_item = np.repeat(np.arange(n), items)
    n_items = len(of_item)
    office = _take(_OFFICES, rng.integers(0, len(_OFFICES), n_items))
    src_date = _date_text(start[of_item] + np.minimum(rng.geometric(0.35, n_items) - 1, 30))
    tpl = rng.integers(0, len(_HEADLINES), n_items)
    parts = list(zip(*_HEADLINES, strict=True))
    uses_num, uses_place = np.array(parts[1])[tpl], np.array(parts[3])[tpl]
    number = _int_text(np.maximum(best[of_item], 1) + rng.integers(0, 3, n_items))
    place_label = pc.if_else(
        pa.array(where_prec >= 6), _take(t.name, ci), _take(t.place_name, parent)
    )
    headline = _join(
        _take(parts[0], tpl),
        pc.if_else(pa.array(uses_num), number, ""),
        _take(parts[2], tpl),
        pc.if_else(pa.array(uses_place), _take(place_label, of_item), ""),
        _take(parts[4], tpl),
    )
    headline = pc.if_else(
        pa.array(rng.random(n_items) < 0.03), _join(headline, _MONITORING_TAIL), headline
    )

    def per_event(flat: pa.Array) -> pa.Array:
        return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat), ";")

    is_legacy = pa.array(legacy)
    first = pa.array(offsets[:-1], type=pa.int64())
    upper_headline = pc.utf8_upper(headline)
    article = pc.if_else(
        is_legacy,
        _join(office.take(first), " ", src_date.take(first), ' "', upper_headline.take(first)),
        per_event(_join('"', office, ",", src_date, ",", headline, '"')),
    )
    original = _take(_ORIGINALS, rng.integers(0, len(_ORIGINALS), n))
    original = pc.if_else(pc.equal(original, ""), release_note, _join(release_note, "; ", original))

    # place text
    country_name = _take(t.name, ci)
    adm1 = pc.if_else(
        pa.array(where_prec <= 5), _take(t.place_adm1, parent), pa.nulls(n, pa.string())
    )
    adm2 = pc.if_else(
        pa.array(where_prec <= 3), _take(t.place_adm2, parent), pa.nulls(n, pa.string())
    )
    site_name = pc.if_else(
        pa.array(s_k[site] > 0),
        _join(_take(t.place_name, parent), " area ", _int_text(s_k[site])),
        _take(t.place_name, parent),
    )
    where_coord = pc.if_else(
        pa.array(where_prec <= 3),
        site_name,
        pc.if_else(
            pa.array(where_prec <= 5), pc.coalesce(adm1, _take(t.place_name, parent)), country_name
        ),
    )
    dtpl = rng.integers(0, len(_DESCRIPTIONS), n)
    dparts = list(zip(*_DESCRIPTIONS, strict=True))
    description = _join(_take(dparts[0], dtpl), where_coord, _take(dparts[1], dtpl))
    with_adm1 = pa.array(rng.random(n) < 0.15)
    description = pc.if_else(
        pc.and_(with_adm1, pc.is_valid(adm1)), _join(description, ", ", adm1), description
    )
    u = rng.random(n)
    description = pc.if_else(
        pa.array(u < 0.015), _join(description, "\n(approximate location)"), description
    )
    description = pc.if_else(pa.array(u > 0.98), "", description)

    # dset ids: the new id as text, occasionally empty ("")
    def dset(ids_: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(rng.random(n) < 0.003), "", _int_text(ids_))

    # geom_wkt: as in UCDP's files, mostly the coordinates without trailing zeros, but for some
    # events the full-precision point whose rounding or truncation gives latitude/longitude
    lat_text, lon_text = _fixed6(lat), _fixed6(lon)

    def more_digits() -> pa.Array:
        nine = pc.utf8_lpad(_int_text(rng.integers(1, 10**9, n)), width=9, padding="0")
        extra = pc.if_else(pa.array(rng.random(n) < 0.7), nine, _int_text(rng.integers(1, 10, n)))
        return pc.replace_substring_regex(extra, pattern="0+$", replacement="")

    precise = _join("POINT (", lon_text, more_digits(), " ", lat_text, more_digits(), ")")
    wkt = pc.if_else(pa.array(rng.random(n) < 0.07), precise, geom_wkt(lat_text, lon_text))
    gwnob = np.where(rng.random(n) < 0.01, t.gw[rng.integers(0, len(t.gw), n)], -1)
    gwnob_arr = pa.array(gwnob, mask=(gwnob < 0) | (tov != 1), type=pa.int64())
    seq = _group_seq(dyad * 64 + (year - FIRST_YEAR))
    relid = pc.binary_join_element_wise(
        _take(t.iso, ci),
        _int_text(year),
        _int_text(tov),
        _int_text(dy.dyad_new_id[dyad]),
        _int_text(seq),
        "-",
    )
    i64 = pa.int64()
    return {
        "id": pa.array(ids, i64),
        "relid": relid,
        "year": pa.array(year, i64),
        "active_year": pa.array(rng.random(n) < 0.93),
        "code_status": pa.array(np.full(n, "Clear")),
        "type_of_violence": pa.array(tov, i64),
        "conflict_dset_id": dset(dy.conflict_new_id[dyad]),
        "conflict_new_id": pa.array(dy.conflict_new_id[dyad], i64),
        "conflict_name": _take(dy.conflict_name, dyad),
        "dyad_dset_id": dset(dy.dyad_new_id[dyad]),
        "dyad_new_id": pa.array(dy.dyad_new_id[dyad], i64),
        "dyad_name": _take(dy.dyad_name, dyad),
        "side_a_dset_id": dset(dy.side_a_new_id[dyad]),
        "side_a_new_id": pa.array(dy.side_a_new_id[dyad], i64),
        "side_a": _take(dy.side_a, dyad),
        "side_b_dset_id": dset(dy.side_b_dset_id[dyad]),
        "side_b_new_id": pa.array(dy.side_b_new_id[dyad], i64),
        "side_b": _take(dy.side_b, dyad),
        "number_of_sources": pa.array(np.where(legacy, -1, n_src), i64),
        "source_article": article,
        "source_office": pc.if_else(is_legacy, "", per_event(office)),
        "source_date": pc.if_else(is_legacy, "", per_event(src_date)),
        "source_headline": pc.if_else(is_legacy, "", per_event(headline)),
        "source_original": original,
        "where_prec": pa.array(where_prec, i64),
        "where_coordinates": where_coord,
        "where_description": description,
        "adm_1": adm1,
        "adm_2": adm2,
        "latitude": pa.array(lat / _MICRO),
        "longitude": pa.array(lon / _MICRO),
        "geom_wkt": wkt,
        "priogrid_gid": pa.array(priogrid_gid(lat, lon), i64),
        "country": country_name,
        "country_id": pa.array(t.gw[ci], i64),
        "region": _take(t.region, ci),
        "event_clarity": pa.array(np.where(rng.random(n) < 0.93, 1, 2), i64),
        "date_prec": pa.array(date_prec, i64),
        "date_start": pa.array(start.astype("datetime64[D]")),
        "date_end": pa.array(end.astype("datetime64[D]")),
        "deaths_a": pa.array(deaths[:, 0], i64),
        "deaths_b": pa.array(deaths[:, 1], i64),
        "deaths_civilians": pa.array(deaths[:, 2], i64),
        "deaths_unknown": pa.array(deaths[:, 3], i64),
        "best": pa.array(best, i64),
        "high": pa.array(high.astype(np.int64), i64),
        "low": pa.array(low.astype(np.int64), i64),
        "gwnoa": dy.gwnoa.take(pa.array(dyad, i64)),
        "gwnob": gwnob_arr,
    }


def _group_seq(key: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each value of ``key``, in row order."""
    idx = np.argsort(key, kind="stable")
    k = key[idx]
    pos = np.arange(len(k))
    first = np.maximum.accumulate(np.where(np.r_[True, k[1:] != k[:-1]], pos, 0))
    seq = np.empty_like(pos)
    seq[idx] = pos - first
    return seq


# ---------------------------------------------------------------------------------------------
# CSV writing in UCDP's format


def _as_text(arr: pa.Array) -> pa.Array:
    """A typed column as GED CSV text (null stays null: written as an empty field)."""
    typ = arr.type
    if pa.types.is_boolean(typ):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_date(typ):
        return _join(pc.cast(arr, pa.string()), " 00:00:00.000")
    if pa.types.is_floating(typ):
        return _fixed6(np.rint(arr.to_numpy(zero_copy_only=False) * _MICRO).astype(np.int64))
    if pa.types.is_integer(typ):
        return pc.cast(arr, pa.string())
    return arr


def _csv_field(text: pa.Array) -> pa.Array:
    """Minimal CSV quoting as UCDP does it: null -> empty field, "" -> ``""``, quote when the
    value holds a comma, quote or line break."""
    needs = pc.match_substring_regex(text, r'[,"\r\n]')
    quoted = _join('"', pc.replace_substring(text, '"', '""'), '"')
    out = pc.if_else(pc.equal(text, ""), '""', pc.if_else(needs, quoted, text))
    return pc.fill_null(out, "")


def _string_bytes(arr: pa.Array) -> pa.Buffer:
    """The concatenated UTF-8 bytes of a string array without nulls."""
    if arr.null_count:
        raise AssertionError("unexpected null in a CSV line")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    return arr.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


def _write_csv(path: Path, text_columns: Sequence[pa.Array], progress: Progress | None) -> None:
    n = len(text_columns[0])
    if progress:
        progress(0, n)
    with pa.output_stream(str(path)) as out:
        out.write((",".join(GED_COLUMNS) + "\n").encode())
        for lo in range(0, n, _CHUNK_ROWS):
            fields = [_csv_field(c.slice(lo, _CHUNK_ROWS)) for c in text_columns]
            lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "", "\n")
            out.write(_string_bytes(lines))
            if progress:
                progress(min(lo + _CHUNK_ROWS, n), n)


def _read_text(path: Path) -> pa.Table:
    """A GED CSV with every column as text; an empty field is null, a quoted ``""`` is ""."""
    table = pacsv.read_csv(
        str(path),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in GED_COLUMNS},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    if tuple(table.column_names) != GED_COLUMNS:
        raise ValueError(f"{path}: the header is not the 49 UCDP GED columns in UCDP's order")
    return table


# ---------------------------------------------------------------------------------------------
# public API


def synthetic_events_frame(
    n_events: int = 385_918, seed: int = 0, *, first_id: int = 1, release_note: str = "synthetic"
) -> pd.DataFrame:
    """SYNTHETIC GED-like events as a typed DataFrame (the core of the CSV writers).

    Parameters
    ----------
    n_events : number of events (rows).
    seed : seed of the random generator; equal arguments give equal frames.
    first_id : smallest possible event ``id``; ids are unique, increasing roughly with the date.
    release_note : prefix of every ``source_original`` marking the rows as synthetic.

    Returns
    -------
    pandas.DataFrame
        The 49 GED columns in UCDP's order: integers as ``int64`` (``gwnoa``/``gwnob`` as
        nullable ``Int64``), ``active_year`` as bool, ``latitude``/``longitude`` as float
        (6 decimals), ``date_start``/``date_end`` as ``datetime64``, text as strings with
        missing ``adm_1``/``adm_2`` as NA.
    """
    columns = _generate(n_events, seed, first_id, release_note)
    frame: dict[str, pd.Series] = {}
    for name, arr in columns.items():
        if pa.types.is_date(arr.type):
            frame[name] = pd.to_datetime(arr.to_pandas(date_as_object=False))
        elif pa.types.is_integer(arr.type) and arr.null_count:
            frame[name] = arr.to_pandas().astype("Int64")
        else:
            frame[name] = arr.to_pandas()
    return pd.DataFrame(frame, columns=list(GED_COLUMNS))


def write_synthetic_ged(
    path: str | Path,
    n_events: int = 385_918,
    seed: int = 0,
    release_note: str = "synthetic",
    *,
    progress: Progress | None = None,
) -> Path:
    """Write a SYNTHETIC GED CSV in UCDP's layout (see the module docstring).

    Parameters
    ----------
    path : output file; a ``.gz`` suffix writes gzip-compressed CSV.
    n_events : number of events; the default is the size of GED 25.1 (about 220 MB).
    seed : seed of the random generator; equal arguments give identical bytes.
    release_note : prefix of every ``source_original``, marking the rows as synthetic.
    progress : optional callback ``progress(rows_written, n_events)``.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    columns = _generate(n_events, seed, 1, release_note)
    _write_csv(path, [_as_text(columns[c]) for c in GED_COLUMNS], progress)
    return path


def write_revised_copy(
    src: str | Path,
    dst: str | Path,
    share_revised: float = 0.05,
    share_new: float = 0.02,
    seed: int = 1,
    *,
    release_note: str = "synthetic revision",
    progress: Progress | None = None,
) -> Path:
    """Write a "newer release" of a GED CSV: same rows and ids, some revised, some added.

    ``round(share_revised * n)`` rows get more deaths (``best``, ``deaths_unknown`` and, where
    needed, ``high`` go up; ``low`` is kept), one more source (``number_of_sources`` and the four
    ``source_*`` fields) and ``active_year`` true. ``round(share_new * n)`` SYNTHETIC events with
    new ids are appended. All other rows are copied byte for byte.

    Parameters
    ----------
    src : a GED CSV in UCDP's format (normally one written by :func:`write_synthetic_ged`).
    dst : output file.
    share_revised, share_new : shares of the source's row count, each in [0, 1].
    seed : seed of the random generator.
    release_note : ``source_original`` prefix of the appended events.
    progress : optional callback ``progress(rows_written, rows_in_total)``.

    Returns
    -------
    Path
        ``dst``.
    """
    if not (0 <= share_revised <= 1 and 0 <= share_new <= 1):
        raise ValueError("share_revised and share_new must lie in [0, 1]")
    table = _read_text(Path(src))
    n = table.num_rows
    rng = np.random.default_rng(seed)
    revised = np.zeros(n, dtype=bool)
    revised[rng.choice(n, size=round(share_revised * n), replace=False)] = True
    cols = {c: table.column(c).combine_chunks() for c in GED_COLUMNS}

    def number(name: str) -> np.ndarray:
        return pc.cast(pc.cast(cols[name], pa.float64()), pa.int64()).to_numpy(zero_copy_only=False)

    best, high = number("best"), number("high")
    added = rng.geometric(0.3, n)
    new_best = best + added
    changes: dict[str, pa.Array] = {
        "best": _int_text(new_best),
        "deaths_unknown": _int_text(number("deaths_unknown") + added),
        "high": _int_text(np.maximum(high, new_best + rng.integers(0, 3, n))),
        "number_of_sources": _int_text(np.maximum(number("number_of_sources"), 1) + 1),
        "active_year": pa.array(np.full(n, "true")),
    }
    office = _take(_OFFICES, rng.integers(0, len(_OFFICES), n))
    days = pc.cast(pc.utf8_slice_codeunits(cols["date_end"], 0, 10), pa.date32())
    src_date = _date_text(
        days.to_numpy(zero_copy_only=False).astype("datetime64[D]").astype(np.int64)
        + rng.integers(1, 60, n)
    )
    headline = _join(
        "Update: death toll in ", cols["where_coordinates"], " revised to ", changes["best"]
    )
    changes["source_article"] = _join(
        cols["source_article"], ';"', office, ",", src_date, ",", headline, '"'
    )
    for name, extra in (
        ("source_office", office),
        ("source_date", src_date),
        ("source_headline", headline),
    ):
        old = pc.fill_null(cols[name], "")
        changes[name] = pc.if_else(pc.equal(old, ""), extra, _join(old, ";", extra))
    mask = pa.array(revised)
    for name, new in changes.items():
        cols[name] = pc.if_else(mask, new, cols[name])

    n_new = round(share_new * n)
    if n_new:
        first_id = int(number("id").max()) + 1
        fresh = _generate(n_new, int(rng.integers(2**62)), first_id, release_note)
        for c in GED_COLUMNS:
            cols[c] = pa.concat_arrays([cols[c], _as_text(fresh[c]).cast(pa.string())])
    dst = Path(dst)
    _write_csv(dst, [cols[c] for c in GED_COLUMNS], progress)
    return dst
