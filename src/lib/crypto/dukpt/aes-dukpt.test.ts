import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decryptEcb, encryptCbc, encryptEcb } from '../block-cipher.js';
import { fromHex, toHex, xor } from '../bytes.js';
import { cmac } from '../mac/cmac.js';
import { BastionError } from '../../errors/index.js';
import {
  AesDukptHost,
  aesDukptKeyTypes,
  deriveAesDukptInitialKey,
  deriveAesDukptKeys,
  deriveAesDukptTransactionKey,
  deriveAesDukptWorkingKey,
  type AesDukptKeyType,
  type AesDukptKeyUsage,
} from './aes-dukpt.js';
import { countOneBits } from './ksn.js';
import { expectCryptoError } from '../test-helpers.js';
import type { ErrorCode } from '../../errors/index.js';

// ANSI X9.24-3-2017 supplement test vectors (x9.org "X9.24 Part 3 – Test Vectors"), as transcribed
// in openemv/dukpt test/dukpt_aes128_test.c and test/dukpt_aes256_test.c. The BDKs below are the
// supplement's; its initial key ID is 1234567890123456.
const bdk128Hex = 'FEDCBA9876543210F1F1F1F1F1F1F1F1';
const bdk192Hex = 'FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210';
const bdk256Hex = 'FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1';
const bdk128 = fromHex(bdk128Hex);
const bdk192 = fromHex(bdk192Hex);
const bdk256 = fromHex(bdk256Hex);
const initialKeyIdHex = '1234567890123456';

function ksnOf(counter: number): Buffer {
  const ksn = Buffer.alloc(12);
  fromHex(initialKeyIdHex).copy(ksn);
  ksn.writeUInt32BE(counter, 8);
  return ksn;
}

const firstEight = [1, 2, 3, 4, 5, 6, 7, 8];

// X9.24-3-2017 supplement, AES-128 BDK generating AES-128 keys, counters 1 to 8.
const aes128Sequence = {
  transactionKey: [
    '4F21B565BAD9835E112B6465635EAE44', '2F34D68DE10F68D38091A73B9E7C437C', '031504E530365CF81264238540518318', '0EEFC7ADA628BA68878DA9165A8A1887',
    'C2A7AC328A5DA2D6002D62465BFC028B', 'D30F7D9351DA58448A2F5E92B4EE3B7D', 'A8253CEED9AC042C54F75D35C8352278', '718EE6CF0B27E53D5F7AF99C4D8146A2',
  ],
  pinKey: [
    'AF8CB133A78F8DC2D1359F18527593FB', 'D30BDC73EC9714B000BEC66BDB7B6D09', '7D69F01F3B45449F62C7816ECE723268', '91A0588318EC2673214271F70137896E',
    '35A43BC9EFEB09C756204B57E3FB7D4D', '02DCC6CD1201A3A2CA7099559C862123', '6ECF912F3B18CA11A7A27BB60705FD09', '4D9DF3FBEE3448FC3E676D04320A90F5',
  ],
  macGenerationKey: [
    'A2DC23DE6FDE0824A2BC321E08E4B8B7', '484C3B06E8562704528CD5B46FB12FB6', 'A5DF7D9D800CA769766F0C77CA4E6E6C', 'E6E4679647D8A9057C1FC15537CB4C4E',
    '0588185FE1FF8C7E22FAD78C1C61F065', '7B60F72A5639C0EE7EB2100FA80BB793', 'BAA08CA263C69525BC6B1BA8F4275D69', '6FD572E5D59E618875F193484F9178FB',
  ],
  dataEncryptionKey: [
    'A35C412EFD41FDB98B69797C02DCD08F', 'D639514AA33AC43AD9229E433D6D4E5B', 'EF17F6AB45B4820C93A3DCB21BC491AD', 'B3BD44C08BB6BA27C3BB4711D7D70387',
    'CA02DF6F30B39E14BD0B4A30E460920F', 'C9B8A7C4E486180B2229115164F0B293', '0FA8F1F0A2DD7B1005A862D77CDED698', '650F34204ABD4E57764D61AC3D266FB1',
  ],
  // Supplement page 31: PIN 1234 / PAN 4111111111111111 as ISO 9564 format 4, encrypted.
  encryptedPinBlock: [
    'A912150391AB65A67E52883D81CE2D15', '52A00503BD34BA1383F6A7EE9FE2547F', 'A5A27E82B43A9A866A93D7ABE89CEF93', '71B3D0528669498777555A8BE6698E44',
    '881A7F77A2E04E5BEA985E342FD0B628', 'BDC1C3871AFB0B340AA5B5CEFD08695E', '4A8E6B8C7DBEE6CBA6DC774F0CB83396', '8308BB857C17F390369F761F8EB358FA',
  ],
};
const pinField = fromHex('441234AAAAAAAAAA2F69ADDE2E9E7ACE');
const panField = fromHex('44111111111111111000000000000000');

// moov-io/dukpt pkg/aes/aes_test.go: outputs under the AES-128 BDK's working keys for counters 1
// to 8 over "4012345678909D987" — AES-CMAC (MAC generation / verification keys), HMAC-SHA256
// (HMAC-128 keys, same usages) and AES-CBC with a zero IV and zero padding (data keys).
const moovMessage = Buffer.from('4012345678909D987', 'ascii');
const moovSequence = {
  cmacRequest: [
    'A2EB5C1C35809E58404E873C3C411E31', '4D104704C53491A60944193DCAF6B411', '6A18904AA8E966A03505F5EEBDAEBD82', '77BBD3FB827158B9B12880B0794D1C74',
    'C0CE6DA1F4434AD16EEEBF486C9616CD', '05222AE91471C590B3A9471523324C14', '37FA54258AAF805A44AA1273C0DF928C', '85C7CA68F55F51E7DCAC969B8C111130',
  ],
  cmacResponse: [
    'DD4E1895FD9BF53D8DAF25568ABF551D', '008CEAAE2B913BEEE76209EE9406DAC1', '40CB2F0C2E043D060063FAA916A849E1', '51FDE192BC484F769AA0A86F8BC5CB30',
    '4B508F51104D184A9190061ED854200E', 'ED90BD8AE4571C75CF08EA3EA195ABF8', '52D6C1D3A95B1D21761E20870D9A7E8C', 'B45399DB90C0BA75DB4B86605758695A',
  ],
  hmacRequest: [
    'B6F8B3159CD4E140159DA87A68C0FB7AF2F123D222662E98988C76386E8E8A02', 'A884FD458692820E8458AD9FF4FCE58D6B809AB3AE617AE1FC6B70E9E9C12B08',
    '5CCB50FB8001C07C51191502BFC7586E165219F59D87938C8A7A84D41AF44F18', '5E3C734C41496A10130BE415CBDB8E4F9027250997803DC742D4988123C2963F',
    'E49D95FD38DF4E39371FD6FD0789E1A2E9A663E20764BF935B457ECEEAE46CBD', 'D5B61390352342D2027DFD120F32E77831B32BF34700FBA8232D80780D492766',
    'E0A41D52B44C96D5D730BB0DC2F747E7FE5970CE58C0043C42CD3769F6CA3925', 'D7CAB17596E6D193B83E0E13CAB35A179B7296DC04A42D8145B9DF6E60A2A47F',
  ],
  hmacResponse: [
    'DDE7CB7BDE05AC9A934919B5D94C37954F2376BAF5D45031A56FE74D94C4B64D', '32C4EEBF5FB820C4E90A580C0769E5BF8188007191AFAEF53F7C585B03285314',
    '255E08E91BB5AFFD26C695110FAB5167AB36C9A3C61C78BD2401292A8EFE7C0A', '6493E4DB82E4ACFB3AA3830EBEF7365A31B0D7E3B463304FB3EBBC372A866292',
    '401CBB584E48C3E08A212A3117E087520D38E4EC054749747D1435B421C9DCE6', '6644594E7C867C2BF0FBA7F00CAF2E184823AE0D9C40FCAA6F48A3605737094D',
    '55F096E89E56A27438F6D01A6DCBF9D396E29EA076C3CC9823B2BB5996ED17EE', '32403C170DD07A7C823247DF37649D49FDE905482D1B1C6A62E03E735FA2E384',
  ],
  dataRequest: [
    'E5AFA5B408A3310E3D779C8A9A2AE29448BD5B4232582090DB703AF647205A79', 'A17A9658EE0F451D6CA11B65B592EF9C5F90BB175D926F1457B63B3273042476',
    'E289C32A084A39419A6C147DE40B53A67BABE2BD22DC3D5EE09B002E83B93ACE', 'D074C0F81866781B92D008C8EA6A3947319B94361C7ECD3C1736020E0D57E629',
    '8F222D79AE7F942BF74D3EA9E364C0000D0C94AD7EA0A8CCF23330FCA4B1D0D0', '19C254B0498CBD32E597D882B7D993513994EE913836E65711EA41F8D4B34728',
    '0710C8F0EB136629E30ADFB148562F6F80B786EC1074428B7C7511B7301EAAF0', '304EC254A7B528D9892E47F7C1315D498C0D88EA8CD71CA52D38F362721AEA67',
  ],
  dataResponse: [
    '84904DFC6B5201A4F1FE2EAA49E70B8C01838EF53030790FF785D630AB3916B4', '699ED7BC85994F1C11DE1C40177A629530E85262EA0B02FB80771255DC1F65B6',
    '0F440D9321C1ABBEF9CA7008B40CF18B3045A84D5435D6CF9A4955E3451C49E9', '08A3D4FB24E9CA4864F63E1AB518C69327D87A6A709B9336E3E60FA7F312759A',
    '400E67A22795467C145D7A5D2475DFD8041C233C6E2D004CEDBEBA25AE5CE1A7', '1524F027685DCDA7197E0DE3CB87EF83C6D61D2E483D47678C4914DEC2320B08',
    '8CA084F21F599C7361C8F2B1565D993779C62EC3496F0113DF17B5C29EA4E404', '8CD1A54538B9DC79A5DF4544ADE8D1F1A085AC1F89AA59BFF49351A68957DE1B',
  ],
};

// X9.24-3-2017 supplement, AES-256 BDK: transaction keys and working keys of both lengths.
const aes256Sequence = {
  transactionKey: [
    '54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3', '5DD5A0253842BBBE1D7C0DA27021412C6F1FAB53FB928DEAE56DA06090A9DE97',
    '8EEEF7C464AE415BB1D73FAED21993CD669F7999092A579EC6DD3CC680C65171', 'C18CBED570B3B89ECADA7CEC9C224CD5A86ECF3DE377D3EFAB720F8C4D76B9D0',
    '6B3C3C93307151C25DC2309456F01C5C3108DAD571C321899A9B7E0C009FD2EB', 'B8BB61AE3E2D5CD8C699E0C578FB2C7B89B0C0CF02DBAB60864D8049C986C844',
    '88D0ACA287B3066F5DE0C93396337D4C2DA8D92C1F720A576D62CEB4C979E01E', '20A796D5077D51B8E7613893A4F095B134E02917DC84BD391F3661D0873FF308',
  ],
  pinKey128: [
    '09C9C432966811D6B2C3336BAC1B1202', 'D632226A80795D13A80AFE66A3E97B01', 'C2CBD3D766B16F9F82F4EE3F74478918', '58A3779C1E24B3EDAF068609E7E56D59',
    '97504C8BB0FD4D4A88D605143BF00025', 'BF281141609E6CAE7DF10DFA47A8D03D', 'B7C6BB187134E9D429C3E8B7CCBD8477', '53C1C60A65532313141A102AD720E967',
  ],
  macGenerationKey128: [
    'F04A1FABD4176E15490CEC82E217A96D', 'DD99D77B4E2AB538B26BB6A8B3FB0BE3', '5A742A4A0403B3D7BB30842DAFBB5972', 'C531F7E08514858C445D5F54BFE7DA8E',
    'E2E25AA7FE6E5DD6042C632A5DFED945', '07B215929C5DB4262DECEE4A0336DD4F', '3AC9CC5159F96E10FCC5EB64015AC76A', '6E94A9283EA9AEB7EAA77C3FF55FF2D1',
  ],
  dataEncryptionKey128: [
    '616D59AE91F8CC7016F89FDA29605FA4', '07B79D9BFF3633C07A9FDDF132070B30', '706E4E629E466BED956548E7B0D90C3D', 'CF3A4D9CA7E962E4023A84A2FE47DC80',
    '94C28455AEAD970555F326298557FA81', '408D3B9A7D1AF109E2F689514BF79AC7', 'DC2915BF421D617E7725E63A7DACB18D', '8950DD50C254C60E26737CA9229F0F18',
  ],
  pinKey256: [
    '8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502', '3583D6CD02FC38822CC71A8D7678E04F4A8556335E6CC66863D3DADC5AEE2C62',
    '96A1AB5D37CB7CF81DDE64F66C46E0389B833E7AD5F4E44C791F04FAFDA6DA0E', '420AA584BF215C4777E93009B56D08DE80687021D07ED96349FF71379CE5636D',
    'B1E9E3D918952E6E5F67917F0FE77060F865AE27DCAD5742DDF90F61453B98BA', '8714EB94E3BFD3018EC99D0434D9C94F071AF2EEBF4332FB14F5179793AA582C',
    '693C893A1E81D280302E0A47E7E634337B9A9B26E7CC6064D807E08FF911AFAC', '173A45284262A3E292D86D08FD6DE9167963214450D1D48F6103BD2EB08E61B5',
  ],
  macGenerationKey256: [
    '61DABDF4B340CF461EE860B1D1AB55357142BD2D6977306859CF49AEFE8F1549', '4417356219B2F93CE3F2671623DDCAB58A8B85AD80662A8D628024000956D426',
    '35BD00A46F2A2BD127F565FBF2974B735AE3BB70242C0A415857CF69B2C2691A', 'D80617C3C5869A8DCF0DA5383D032A0D6E6C51C0BF649BE992BE84AA191AE326',
    '8B047E32C476C0A0AF90A9B8D1C247C433E3D4C1DF1C7FC52E8CB1DC4C8FB275', 'A2FF6FFB37CB8042B8C9B2F94C90C83D94DD5BECCD9951CFAB0BE7BD865CA403',
    'E8A57085DBE804B8C2767F9F77D54854861E99633A062C700B4E50A865153150', '949A3FEF12DBD273DD25BB60E29BBE313C872A9DE3BE03A7E29626ACA0A42880',
  ],
  dataEncryptionKey256: [
    '71EB36C9A6B7F801D1D1700C29741FC5A5C4E9B45D742DA7AF6992B8AA29AF58', 'D0AC9F71F875FFFF3A83778F72F39EBB0924A5A526617AF669665E0A19725465',
    '8E70D5DF53F48ED2F2A0B54FC4F45C844579BE96F6F161222CDD50193E2F737F', '41D23F7D78E22A978D726BC71D266374263120EE49146CE5C1291FD0EE7DDD31',
    '813D156C142E5BB8F136427EBD0A1AC4DC9B2B5963C481F5E0A58F4BF33BD185', 'F1FB0591AA2E45E1CE4C5D970C7396C4A87E53E5900C4A6D95C174140CC0AC9C',
    '69BC5C9AFB2C93CC30C3F7529360B34D7B64B7206E0F0940D8654378C54824F2', '0BF8789A21D068410A16C9F7FCBF65A7B4FF73203ADC0F1B4B5E5BF8050E4284',
  ],
};

// X9.24-3-2017 supplement: transaction keys at counters with many one-bits and at the end of the
// counter range (FFFF0000 has the sixteen one-bits the standard allows).
const highCounters: readonly { counter: number; aes128: string; aes256: string }[] = [
  { counter: 0x0001fffe, aes128: 'E21E8C8D347F8561A2BE752DAA85A111', aes256: 'A289508CBF1228452CD86AB77B15CB35577AC828C18BB66681E5A16D6C9CCED3' },
  { counter: 0x00020000, aes128: 'F7AE9025468A25D37B7249CFFED224C8', aes256: 'D62DDA94A47D7DA5D763443B4ECB15EA8DD62E0E4F915958BA459591F8312E37' },
  { counter: 0x00020001, aes128: '692C8EA4013645135B36497131DF9D2C', aes256: '44110A1102748D4A3AC326F53D8CAC650212590CA7126D54546DDE0F20E89CEE' },
  { counter: 0xfffe2000, aes128: '48E585B694EB0B18D5C35443E163C0BA', aes256: '4625EB06E4886D4AFCC9AE37ED4F4E4E1653C9E60E3F24742A87A26AA96AB7A6' },
  { counter: 0xfffe4000, aes128: '396C2C7CA1EA701C03B86B7D41F0C562', aes256: 'FF20E1BB575539ACCB44E3111BE8757F83AE8549A2DD71B441A4A424F7FFD4B1' },
  { counter: 0xfffe8000, aes128: '0387625F189B58AE03EF0E8CCA41105E', aes256: '630535C9C53E1EC6524016930B56F6728909C45403536B419AEBCB25B7351C07' },
  { counter: 0xffff0000, aes128: 'F6BA59389BD14A9855BE9727E7C52E3C', aes256: '6D6DB7AAAE8B3EA90E57A39E4BBA71E173B21B446B30A78D64BFC6A8806C55EE' },
];

// paysec (Rust) dukpt tests, derived from the X9.24-3-2017 supplement and its reference algorithm:
// AES-128 BDK, counter 1, every working key usage; and two high counters.
const aes128AllUsagesCounter1: Readonly<Record<AesDukptKeyUsage, string>> = {
  keyEncryption: '36A724B7BEFA5A25F5E7B5782A4554A2',
  pinEncryption: 'AF8CB133A78F8DC2D1359F18527593FB',
  macGeneration: 'A2DC23DE6FDE0824A2BC321E08E4B8B7',
  macVerification: 'DBB463945B286C07CD3AD82EE96FD9C9',
  macBothWays: '85675439D18D7F1158BD8E3EAA3D502B',
  dataEncryption: 'A35C412EFD41FDB98B69797C02DCD08F',
  dataDecryption: '16292C6EA8F64C5420A0584BFBC577BE',
  dataBothWays: 'A308E080DD15A1B741F1721BF67DE11C',
};
const aes128HighCounterWorkingKeys = [
  { counter: 0x0001fffe, pin: 'DDF7E08A84B5478C498D007C743BF762', mac: '6D7623AD652734B8FAE1B6E093EACE3D', data: '8E4E5D5E0F01C54F01F4ACA1C8F8EDCE' },
  { counter: 0x00020000, pin: 'AB828BE7B58C7EC5D5ED0D5D320A0C9D', mac: '0B59D3D7D93028D97135FB895CACE24E', data: '13361208975755318FE7AE28C9616014' },
];

// AES-192 BDK (the reference Python's bdk192): values from paysec's tests, generated with the
// ASC X9 X9.24-3 reference algorithm.
const aes192InitialKey = '5B6DEE2B5B7FABFFA32591F35BF8F23DD9329AE85131E584';
const aes192WorkingKeys = [
  { counter: 1, type: 'aes128', pin: '3C318CDBF08322279557201E98DBB3F3', mac: '3E7009C74E8166BC9059D3D92D36B487', data: '04C5C3926A8B9B2B833F33D4C6E581EE' },
  { counter: 3, type: 'aes128', pin: '6DE9A0A37D6927280B7E223C4BE7580F', mac: 'D2D13AF44E71EB6E8539FFDA3C37A5D6', data: 'FDCB88BEA1EFE48EAEE83A48513FF515' },
  {
    counter: 1,
    type: 'aes192',
    pin: 'C5043EDC7F2C001097974D40FF82A050B64A1AB27879F3DB',
    mac: '7FB32FB0F68F0E4A2594765F9EB1C472727EE305A5EE35E1',
    data: 'C1D4541AE0E33949DD03F2A10B5E5486BBCAC1C520320E0C',
  },
  {
    counter: 3,
    type: 'aes192',
    pin: '64AE12F5E0FB2001B22520CED9C5CF1A8AA45AAA3F264882',
    mac: '29A29A9C943EAA03D2F5CAD146BA765094C2CF0343C53D1A',
    data: 'A5DDCE36A4ECC8781C466C2270BA499EC4654AA166392EFC',
  },
] as const;

// TDES working keys from AES BDKs: generated for this suite by running the ASC X9 X9.24-3-2017
// reference Python algorithm (supplement "Python source code", Host_Derive_Working_Key) with the
// supplement's BDKs and initial key ID; the same run reproduced the published AES values above.
const tdesWorkingKeys: readonly { bdk: string; counter: number; type: AesDukptKeyType; pin: string; mac: string; data: string }[] = [
  { bdk: 'aes128', counter: 1, type: 'tdes2', pin: '630C706D9546E47D4449313F61C4D4AB', mac: '5D8FD787E8A796D07035FFCA9B5800BB', data: 'BD44121C223F831446A01EE3A4CB58D2' },
  {
    bdk: 'aes128', counter: 1, type: 'tdes3',
    pin: 'EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A', mac: '2A1061A6EAC2C14FAC3758EA07B3648A624B24E942785BF1', data: 'F716DFBC6B2D2D5825B694EEEE181A013F2F1C09380BBE0C',
  },
  { bdk: 'aes128', counter: 0x1fffe, type: 'tdes2', pin: 'EF78A00D8E5C554FFA44A4D9E9AAB341', mac: '06008905436F9E3223DD6998BD8E0586', data: '22DAE4838C95370A2F64B0D9824B6AB9' },
  {
    bdk: 'aes128', counter: 0xffff0000, type: 'tdes3',
    pin: '9B650FCC3E0EDF7CDDF9A57F4515BFFD23C7654AE06970D2', mac: 'A718671F2EAEB8AF08771236425D1C13EEECB649784960DC', data: 'E25E3C495948CB16E7412199A0507EDA5859904F160DB814',
  },
  { bdk: 'aes192', counter: 1, type: 'tdes2', pin: '9EF1031B002F92F5C5C8801BC832A4B3', mac: '54469D3197213BA0576CDF279493046F', data: '8324774DD84AA80F1A569C48B412C31E' },
  {
    bdk: 'aes192', counter: 0x1fffe, type: 'tdes3',
    pin: 'AE73CC7060C5144B776C6B2CD30803B1908EE6889DE50998', mac: 'DC4D49AE3372288103F3855EF307ABD8F532761F575F51A9', data: '8E51D10BD045A46E22D4A477F419B0FCD177A7CBB502CF3A',
  },
  { bdk: 'aes192', counter: 0xffff0000, type: 'tdes2', pin: '079D9E8689C7ED7A3CF401C13E374FBA', mac: '06E259B02DE0CD0C41AEAFFD35E8B22F', data: '7A0D71CB1D02553FC33A7990F79A9335' },
  {
    bdk: 'aes256', counter: 1, type: 'tdes3',
    pin: '482E89FA06CA485AD62255F3B5C4CB24E38342202586DB9F', mac: '7C00B41F13CB3658D0459E6E40BCC1647EBCEB2038096205', data: '43C1A4F4F88C4CCDE38A1087BB9556330CE55F5C4C8B1367',
  },
  { bdk: 'aes256', counter: 0x1fffe, type: 'tdes2', pin: '46F690386FB3E7FB45108A02726B82A1', mac: '00FECF622D4931971B41EDFBA20057E3', data: '61FDA22FBCA21478710309E5A04E2F42' },
  {
    bdk: 'aes256', counter: 0xffff0000, type: 'tdes3',
    pin: 'B8436BDBCFBA9970682A80964535EA8875FDA234558AE8D3', mac: '397DA60F4B30CFB6E822E6C366DF0338820762BB6F62BC71', data: 'DD1B3C9C7FE198DF893922B34D2354D50D9E6C8F3E09F27D',
  },
];

const bdkByType: Readonly<Record<string, Buffer>> = { aes128: bdk128, aes192: bdk192, aes256: bdk256 };

function zeroPadded(data: Buffer, blockBytes: number): Buffer {
  return Buffer.concat([data, Buffer.alloc((blockBytes - (data.length % blockBytes)) % blockBytes)]);
}

/** The shared error check, with this file's BDKs as the secrets that must never appear. */
function expectBastionError(action: () => unknown, code: ErrorCode, argument: string, secrets: readonly string[] = [bdk128Hex, bdk256Hex]): BastionError {
  return expectCryptoError(action, code, argument, secrets.map((secret) => fromHex(secret)));
}

describe('AES DUKPT initial keys (X9.24-3-2017)', () => {
  it('derives the supplement initial key from the AES-128 BDK', () => {
    expect(toHex(deriveAesDukptInitialKey(bdk128, fromHex(initialKeyIdHex)))).toBe('1273671EA26AC29AFA4D1084127652A1');
    expect(toHex(deriveAesDukptInitialKey(bdk128, ksnOf(0)))).toBe('1273671EA26AC29AFA4D1084127652A1');
  });

  it('derives the supplement initial key from the AES-256 BDK (two derivation blocks)', () => {
    expect(toHex(new AesDukptHost(bdk256).deriveInitialKey(ksnOf(5)))).toBe('CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F');
  });

  it('derives the reference initial key from the AES-192 BDK (truncated second block)', () => {
    expect(toHex(deriveAesDukptInitialKey(bdk192, fromHex(initialKeyIdHex)))).toBe(aes192InitialKey);
  });

  it('depends on the whole initial key ID, BDK ID included', () => {
    expect(toHex(deriveAesDukptInitialKey(bdk128, fromHex('1234567990123456')))).not.toBe('1273671EA26AC29AFA4D1084127652A1');
  });
});

describe('AES DUKPT transaction keys', () => {
  it.each(firstEight)('AES-128 BDK, counter %i', (counter) => {
    const expected = aes128Sequence.transactionKey[counter - 1];
    expect(toHex(new AesDukptHost(bdk128).deriveTransactionKey(ksnOf(counter)))).toBe(expected);
    expect(toHex(deriveAesDukptTransactionKey(fromHex('1273671EA26AC29AFA4D1084127652A1'), ksnOf(counter)))).toBe(expected);
  });

  it.each(firstEight)('AES-256 BDK, counter %i', (counter) => {
    expect(toHex(new AesDukptHost(bdk256).deriveTransactionKey(ksnOf(counter)))).toBe(aes256Sequence.transactionKey[counter - 1]);
  });

  it.each(highCounters)('counter $counter (many one-bits / end of range), both BDK lengths', (row) => {
    expect(toHex(new AesDukptHost(bdk128).deriveTransactionKey(ksnOf(row.counter)))).toBe(row.aes128);
    expect(toHex(new AesDukptHost(bdk256).deriveTransactionKey(ksnOf(row.counter)))).toBe(row.aes256);
  });

  it('one host walking every supplement KSN in order and back agrees with the vectors', () => {
    const host = new AesDukptHost(bdk128);
    const all = [...firstEight.map((counter, i) => ({ counter, key: aes128Sequence.transactionKey[i] })), ...highCounters.map((r) => ({ counter: r.counter, key: r.aes128 }))];
    for (const row of [...all, ...[...all].reverse()]) expect(toHex(host.deriveTransactionKey(ksnOf(row.counter)))).toBe(row.key);
  });
});

describe('AES DUKPT working keys', () => {
  it.each(firstEight)('AES-128 BDK, counter %i: PIN, MAC generation and data encryption keys', (counter) => {
    const host = new AesDukptHost(bdk128);
    const ksn = ksnOf(counter);
    expect(toHex(host.derivePinKey(ksn))).toBe(aes128Sequence.pinKey[counter - 1]);
    expect(toHex(host.deriveMacGenerationKey(ksn))).toBe(aes128Sequence.macGenerationKey[counter - 1]);
    expect(toHex(host.deriveDataEncryptionKey(ksn))).toBe(aes128Sequence.dataEncryptionKey[counter - 1]);
  });

  it.each(firstEight)('AES-128 BDK, counter %i: the PIN key gives the supplement format 4 PIN block', (counter) => {
    const pinKey = new AesDukptHost(bdk128).derivePinKey(ksnOf(counter));
    // ISO 9564-1 format 4: encrypt the PIN field, XOR the PAN field, encrypt again.
    const encrypted = encryptEcb('aes', pinKey, xor(encryptEcb('aes', pinKey, pinField), panField));
    expect(toHex(encrypted)).toBe(aes128Sequence.encryptedPinBlock[counter - 1]);
    expect(toHex(xor(decryptEcb('aes', pinKey, encrypted), panField))).toBe(toHex(encryptEcb('aes', pinKey, pinField)));
  });

  it.each(firstEight)('AES-128 BDK, counter %i: MAC, HMAC and data keys reproduce the moov-io outputs', (counter) => {
    const host = new AesDukptHost(bdk128);
    const keys = host.deriveKeys(ksnOf(counter));
    const i = counter - 1;
    expect(toHex(cmac('aes', keys.macGenerationKey, moovMessage))).toBe(moovSequence.cmacRequest[i]);
    expect(toHex(cmac('aes', keys.macVerificationKey, moovMessage))).toBe(moovSequence.cmacResponse[i]);
    expect(keys.hmacGenerationKey).toHaveLength(16);
    expect(createHmac('sha256', keys.hmacGenerationKey as Buffer).update(moovMessage).digest('hex').toUpperCase()).toBe(moovSequence.hmacRequest[i]);
    expect(createHmac('sha256', keys.hmacVerificationKey as Buffer).update(moovMessage).digest('hex').toUpperCase()).toBe(moovSequence.hmacResponse[i]);
    expect(toHex(encryptCbc('aes', keys.dataEncryptionKey, zeroPadded(moovMessage, 16)))).toBe(moovSequence.dataRequest[i]);
    expect(toHex(encryptCbc('aes', keys.dataDecryptionKey, zeroPadded(moovMessage, 16)))).toBe(moovSequence.dataResponse[i]);
  });

  it.each(Object.entries(aes128AllUsagesCounter1))('AES-128 BDK, counter 1, usage %s', (usage, expected) => {
    expect(toHex(new AesDukptHost(bdk128).deriveWorkingKey(ksnOf(1), usage as AesDukptKeyUsage))).toBe(expected);
    const transactionKey = fromHex(aes128Sequence.transactionKey[0] as string);
    expect(toHex(deriveAesDukptWorkingKey(transactionKey, ksnOf(1), usage as AesDukptKeyUsage))).toBe(expected);
    expect(toHex(deriveAesDukptWorkingKey(transactionKey, ksnOf(1), usage as AesDukptKeyUsage, 'aes128'))).toBe(expected);
  });

  it.each(aes128HighCounterWorkingKeys)('AES-128 BDK, counter $counter: PIN, MAC and data keys', (row) => {
    const host = new AesDukptHost(bdk128);
    expect(toHex(host.derivePinKey(ksnOf(row.counter)))).toBe(row.pin);
    expect(toHex(host.deriveMacGenerationKey(ksnOf(row.counter)))).toBe(row.mac);
    expect(toHex(host.deriveDataEncryptionKey(ksnOf(row.counter)))).toBe(row.data);
  });

  it.each(firstEight)('AES-256 BDK, counter %i: AES-128 and AES-256 working keys', (counter) => {
    const host = new AesDukptHost(bdk256);
    const ksn = ksnOf(counter);
    const i = counter - 1;
    expect(toHex(host.derivePinKey(ksn, 'aes128'))).toBe(aes256Sequence.pinKey128[i]);
    expect(toHex(host.deriveMacGenerationKey(ksn, 'aes128'))).toBe(aes256Sequence.macGenerationKey128[i]);
    expect(toHex(host.deriveDataEncryptionKey(ksn, 'aes128'))).toBe(aes256Sequence.dataEncryptionKey128[i]);
    expect(toHex(host.derivePinKey(ksn))).toBe(aes256Sequence.pinKey256[i]);
    expect(toHex(host.deriveMacGenerationKey(ksn, 'aes256'))).toBe(aes256Sequence.macGenerationKey256[i]);
    expect(toHex(host.deriveDataEncryptionKey(ksn, 'aes256'))).toBe(aes256Sequence.dataEncryptionKey256[i]);
  });

  it.each(aes192WorkingKeys)('AES-192 BDK, counter $counter: $type working keys', (row) => {
    const keys = deriveAesDukptKeys(bdk192, ksnOf(row.counter), row.type);
    expect(toHex(keys.initialKey)).toBe(aes192InitialKey);
    expect(toHex(keys.pinKey)).toBe(row.pin);
    expect(toHex(keys.macGenerationKey)).toBe(row.mac);
    expect(toHex(keys.dataEncryptionKey)).toBe(row.data);
  });

  it.each(tdesWorkingKeys)('$bdk BDK, counter $counter: $type working keys', (row) => {
    const host = new AesDukptHost(bdkByType[row.bdk] as Buffer);
    const ksn = ksnOf(row.counter);
    expect(toHex(host.derivePinKey(ksn, row.type))).toBe(row.pin);
    expect(toHex(host.deriveMacGenerationKey(ksn, row.type))).toBe(row.mac);
    expect(toHex(host.deriveDataEncryptionKey(ksn, row.type))).toBe(row.data);
  });

  it('deriveKeys returns every key of the first supplement transaction', () => {
    const keys = deriveAesDukptKeys(bdk128, ksnOf(1));
    expect(Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, toHex(key as Buffer)]))).toEqual({
      initialKey: '1273671EA26AC29AFA4D1084127652A1',
      transactionKey: '4F21B565BAD9835E112B6465635EAE44',
      pinKey: 'AF8CB133A78F8DC2D1359F18527593FB',
      macGenerationKey: 'A2DC23DE6FDE0824A2BC321E08E4B8B7',
      macVerificationKey: 'DBB463945B286C07CD3AD82EE96FD9C9',
      dataEncryptionKey: 'A35C412EFD41FDB98B69797C02DCD08F',
      dataDecryptionKey: '16292C6EA8F64C5420A0584BFBC577BE',
      // HMAC-128 keys: checked against the moov-io HMAC outputs above.
      hmacGenerationKey: '27D99DA9C091C20DEC0D1C56244ADF8C',
      hmacVerificationKey: '6123B83ED0F9F13DF07F15DF51BE7609',
    });
  });

  it('deriveKeys at a TDES working key type has no HMAC keys and TDES-length working keys', () => {
    const keys = deriveAesDukptKeys(bdk128, ksnOf(1), 'tdes2');
    expect(keys.hmacGenerationKey).toBeUndefined();
    expect(keys.hmacVerificationKey).toBeUndefined();
    expect(toHex(keys.pinKey)).toBe('630C706D9546E47D4449313F61C4D4AB');
    expect(deriveAesDukptKeys(bdk256, ksnOf(1), 'tdes3').pinKey).toHaveLength(24);
  });

  it('derives HMAC keys of every length the BDK allows, only for the MAC usages', () => {
    const host = new AesDukptHost(bdk256);
    for (const type of ['hmac128', 'hmac192', 'hmac256'] as const) {
      const key = host.deriveWorkingKey(ksnOf(2), 'macBothWays', type);
      expect(key).toHaveLength(Number(type.slice(4)) / 8);
    }
    // Same usage, same length, different algorithm indicator: different keys.
    expect(toHex(host.deriveWorkingKey(ksnOf(2), 'macGeneration', 'hmac256'))).not.toBe(toHex(host.deriveMacGenerationKey(ksnOf(2))));
  });
});

describe('AES DUKPT working key strength (X9.24-3-2017 6.1.3)', () => {
  it('refuses AES and HMAC working keys longer than the BDK', () => {
    const host128 = new AesDukptHost(bdk128);
    for (const type of ['aes192', 'aes256'] as const) {
      const error = expectBastionError(() => host128.derivePinKey(ksnOf(1), type), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType');
      expect(error.message).toContain(type);
      expect(error.message).toContain('aes128');
    }
    for (const type of ['hmac192', 'hmac256'] as const) {
      expectBastionError(() => host128.deriveWorkingKey(ksnOf(1), 'macGeneration', type), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType');
    }
    expectBastionError(() => new AesDukptHost(bdk192).derivePinKey(ksnOf(1), 'aes256'), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType');
    expectBastionError(() => deriveAesDukptKeys(bdk128, ksnOf(1), 'aes192'), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType');
    const transactionKey = fromHex(aes128Sequence.transactionKey[0] as string);
    expectBastionError(() => deriveAesDukptWorkingKey(transactionKey, ksnOf(1), 'pinEncryption', 'aes256'), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType', [
      aes128Sequence.transactionKey[0] as string,
    ]);
  });

  it('allows TDES working keys from any BDK and AES keys up to the BDK length', () => {
    expect(new AesDukptHost(bdk128).derivePinKey(ksnOf(1), 'tdes3')).toHaveLength(24);
    expect(new AesDukptHost(bdk192).derivePinKey(ksnOf(1), 'aes192')).toHaveLength(24);
    expect(new AesDukptHost(bdk192).deriveWorkingKey(ksnOf(1), 'macVerification', 'hmac192')).toHaveLength(24);
    expect(new AesDukptHost(bdk256).derivePinKey(ksnOf(1), 'aes192')).toHaveLength(24);
  });

  it('refuses HMAC key types for usages other than MAC', () => {
    const host = new AesDukptHost(bdk256);
    for (const usage of ['pinEncryption', 'dataEncryption', 'keyEncryption'] as const) {
      expectBastionError(() => host.deriveWorkingKey(ksnOf(1), usage, 'hmac128'), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType');
    }
    expectBastionError(() => deriveAesDukptKeys(bdk256, ksnOf(1), 'hmac256'), 'CRYPTO_ERR_ALGORITHM', 'workingKeyType');
  });
});

describe('AES DUKPT host behaviour', () => {
  const validCounter = fc.integer({ min: 1, max: 0xffffffff }).filter((counter) => countOneBits(counter) <= 16);
  const ksnArbitrary = fc.tuple(fc.constantFrom('1234567890123456', '1234567890123457', 'FFFFFFFF00000001'), validCounter).map(([id, counter]) => {
    const ksn = Buffer.alloc(12);
    fromHex(id).copy(ksn);
    ksn.writeUInt32BE(counter, 8);
    return ksn;
  });

  it('a host reusing its caches agrees with one-off derivation for any sequence of KSNs', () => {
    fc.assert(
      fc.property(fc.constantFrom(bdk128, bdk192, bdk256), fc.array(ksnArbitrary, { minLength: 1, maxLength: 6 }), (bdk, ksns) => {
        const host = new AesDukptHost(bdk);
        for (const ksn of ksns) {
          const transactionKey = deriveAesDukptTransactionKey(deriveAesDukptInitialKey(bdk, ksn), ksn);
          expect(toHex(host.deriveTransactionKey(ksn))).toBe(toHex(transactionKey));
          expect(toHex(host.derivePinKey(ksn, 'aes128'))).toBe(toHex(deriveAesDukptWorkingKey(transactionKey, ksn, 'pinEncryption', 'aes128')));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('hands out copies: changing a returned key changes nothing later', () => {
    const host = new AesDukptHost(bdk128);
    host.deriveTransactionKey(ksnOf(3)).fill(0);
    host.deriveInitialKey(ksnOf(3)).fill(0);
    host.deriveKeys(ksnOf(3)).transactionKey.fill(0);
    expect(toHex(host.deriveTransactionKey(ksnOf(3)))).toBe(aes128Sequence.transactionKey[2]);
    expect(toHex(host.deriveInitialKey(ksnOf(3)))).toBe('1273671EA26AC29AFA4D1084127652A1');
  });

  it('does not keep a reference to the caller\'s BDK', () => {
    const callerBdk = Buffer.from(bdk128);
    const host = new AesDukptHost(callerBdk);
    callerBdk.fill(0);
    expect(toHex(host.derivePinKey(ksnOf(1)))).toBe(aes128Sequence.pinKey[0]);
  });

  it('reports the BDK type', () => {
    expect([new AesDukptHost(bdk128).bdkType, new AesDukptHost(bdk192).bdkType, new AesDukptHost(bdk256).bdkType]).toEqual(['aes128', 'aes192', 'aes256']);
    expect(aesDukptKeyTypes).toHaveLength(8);
  });
});

describe('AES DUKPT input errors', () => {
  it('refuses a BDK, initial key or transaction key of the wrong length', () => {
    expectBastionError(() => new AesDukptHost(Buffer.alloc(20)), 'CRYPTO_ERR_KEY_LENGTH', 'bdk');
    expectBastionError(() => deriveAesDukptInitialKey(fromHex(`${bdk128Hex}01`), ksnOf(1)), 'CRYPTO_ERR_KEY_LENGTH', 'bdk');
    expectBastionError(() => deriveAesDukptTransactionKey(Buffer.alloc(8), ksnOf(1)), 'CRYPTO_ERR_KEY_LENGTH', 'initialKey');
    expectBastionError(() => deriveAesDukptWorkingKey(Buffer.alloc(17), ksnOf(1), 'pinEncryption'), 'CRYPTO_ERR_KEY_LENGTH', 'transactionKey');
  });

  it('refuses a KSN that is not 12 bytes', () => {
    const host = new AesDukptHost(bdk128);
    expectBastionError(() => host.derivePinKey(fromHex('FFFF9876543210E00001')), 'CRYPTO_ERR_KSN', 'ksn');
    expectBastionError(() => host.deriveTransactionKey(fromHex(initialKeyIdHex)), 'CRYPTO_ERR_KSN', 'ksn');
    expectBastionError(() => host.deriveInitialKey(fromHex('123456789012')), 'CRYPTO_ERR_KSN', 'ksn');
    expectBastionError(() => deriveAesDukptTransactionKey(fromHex('1273671EA26AC29AFA4D1084127652A1'), fromHex('12345678901234560000000001')), 'CRYPTO_ERR_KSN', 'ksn', [
      '1273671EA26AC29AFA4D1084127652A1',
    ]);
  });

  it('refuses counter zero', () => {
    expectBastionError(() => new AesDukptHost(bdk128).derivePinKey(ksnOf(0)), 'CRYPTO_ERR_KSN_COUNTER', 'ksn');
  });

  it('refuses a counter with more than sixteen one-bits, accepts sixteen', () => {
    const host = new AesDukptHost(bdk128);
    // 0001FFFF is in the supplement's list but has seventeen one-bits, which no device uses.
    for (const counter of [0x0001ffff, 0xffff8000, 0xffffffff]) {
      const error = expectBastionError(() => host.derivePinKey(ksnOf(counter)), 'CRYPTO_ERR_KSN_COUNTER', 'ksn');
      expect(error.details.bitsSet).toBe(countOneBits(counter));
    }
    expect(toHex(host.deriveTransactionKey(ksnOf(0xffff0000)))).toBe('F6BA59389BD14A9855BE9727E7C52E3C');
  });

  it('refuses unknown usages and key types from untyped callers', () => {
    const host = new AesDukptHost(bdk128);
    expectBastionError(() => host.deriveWorkingKey(ksnOf(1), 'pin' as AesDukptKeyUsage), 'CRYPTO_ERR_ARGUMENT', 'usage');
    expectBastionError(() => host.deriveWorkingKey(ksnOf(1), 'pinEncryption', 'aes512' as AesDukptKeyType), 'CRYPTO_ERR_ARGUMENT', 'workingKeyType');
  });
});
